"""Gradient descent with numerical gradients (course: 07-neural/02-gradient).

The gradient is estimated by forward differences, (f(p + h e_k) - f(p)) / h, so
it is biased by about h/2 times the second derivative: on x² + y² the descent
stops near (-h/2, -h/2) = (-0.005, -0.005), not at (0, 0).
"""
import numpy as np


def df(f, p, k, step=0.01):
    """Partial derivative of f at point p along coordinate k (p is left unchanged)."""
    p1 = np.array(p, dtype=float)   # a copy: moving p itself would change the caller's point
    p1[k] = p[k] + step
    return (f(p1) - f(p)) / step


def grad(f, p, step=0.01):
    """The gradient of f at p: the vector of all partial derivatives."""
    return np.array([df(f, p, k, step) for k in range(len(p))])


def gradientDescendent(f, p0, step=0.01):
    """Walk against the gradient from a copy of p0 until the gradient is (almost) zero."""
    p = np.array(p0, dtype=float)
    while True:
        gp = grad(f, p)
        if np.linalg.norm(gp) < 0.00001:   # at the bottom of the valley: stop
            return p
        p -= step * gp


if __name__ == '__main__':
    def f(p):
        [x, y] = p
        return x * x + y * y

    print('p=', gradientDescendent(f, [1.0, 3.0]))
