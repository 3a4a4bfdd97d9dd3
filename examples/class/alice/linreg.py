import numpy as np


def loss(w, X, y):
    err = X.dot(w[1:]) + w[0] - y
    return np.sum(err * err) / len(y)


def numerical_gradient(f, w, step=0.00001):
    g = np.zeros(len(w))
    for i in range(len(w)):
        w1 = np.array(w, dtype=float)
        w2 = np.array(w, dtype=float)
        w1[i] += step
        w2[i] -= step
        g[i] = (f(w1) - f(w2)) / (2 * step)
    return g


def fit(X, y, rate=0.1, loops=3000):
    w = np.zeros(X.shape[1] + 1)
    for i in range(loops):
        w = w - rate * numerical_gradient(lambda v: loss(v, X, y), w)
    return w


X = np.array([[0.0], [1.0], [2.0], [3.0]])
y = np.array([1.0, 3.0, 5.0, 7.0])
print('w=', fit(X, y))
