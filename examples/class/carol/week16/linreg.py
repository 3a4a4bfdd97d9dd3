"""Linear regression by numerical gradient descent, another style: loops, forward differences."""
import numpy as np


def loss(w, X, y):
    total = 0.0
    for row, target in zip(X, y):
        guess = w[0] + sum(wk * xk for wk, xk in zip(w[1:], row))
        total += (guess - target) ** 2
    return total / len(y)


def numerical_gradient(f, w, h=1e-6):
    base = f(np.asarray(w, dtype=float))
    grad = []
    for k in range(len(w)):
        moved = np.array(w, dtype=float)
        moved[k] += h
        grad.append((f(moved) - base) / h)
    return np.array(grad)


def fit(X, y, lr=0.1, steps=3000):
    w = np.zeros(len(X[0]) + 1)
    for _ in range(steps):
        w -= lr * numerical_gradient(lambda v: loss(v, X, y), w)
    return w
