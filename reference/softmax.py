"""Softmax with cross-entropy, and its backward pass written by hand.

softmax(z)ᵢ = e^{zᵢ} / Σⱼ e^{zⱼ}; the loss of class `label` is -log softmax(z)[label]; its
gradient with respect to z is softmax(z) - onehot(label)."""
import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())          # shifted: the same result, and no overflow
    return e / e.sum()


def cross_entropy(z, label):
    return float(-np.log(softmax(z)[label]))


def cross_entropy_backward(z, label):
    grad = softmax(z)
    grad[label] -= 1.0
    return grad


if __name__ == "__main__":
    z = np.array([1.0, 2.0, 0.5])
    print("softmax =", softmax(z))
    print("loss =", cross_entropy(z, 1))
    print("dL/dz =", cross_entropy_backward(z, 1))
