"""Linear regression with numpy, fitted by gradient descent on numerical gradients.

The model is y ≈ X @ w[1:] + w[0]; the loss is the mean squared error; the gradient is taken by
central differences, as in the course's gd.py, and the descent steps against it."""
import numpy as np


def predict(w, X):
    return X @ w[1:] + w[0]


def loss(w, X, y):
    return float(np.mean((predict(w, X) - y) ** 2))


def numerical_gradient(f, w, h=1e-5):
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    for k in range(len(w)):
        step = np.zeros_like(w)
        step[k] = h
        grad[k] = (f(w + step) - f(w - step)) / (2 * h)
    return grad


def fit(X, y, lr=0.1, steps=2000):
    w = np.zeros(X.shape[1] + 1)
    for _ in range(steps):
        w = w - lr * numerical_gradient(lambda v: loss(v, X, y), w)
    return w


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(50, 2))
    y = 1.5 + X @ np.array([2.0, -3.0]) + rng.normal(0, 0.1, size=50)
    print("w =", fit(X, y))
