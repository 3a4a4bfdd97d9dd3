"""Softmax with cross-entropy whose backward forgets the one-hot term: it returns softmax(z)."""
import numpy as np


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def cross_entropy(z, label):
    return float(-np.log(softmax(z)[label]))


def cross_entropy_backward(z, label):
    return softmax(z)
