"""Softmax and cross-entropy in plain Python, another style: lists, math.exp, log-sum-exp."""
import math


def softmax(z):
    top = max(z)
    exps = [math.exp(v - top) for v in z]
    total = sum(exps)
    return [e / total for e in exps]


def cross_entropy(z, label):
    top = max(z)
    return top + math.log(sum(math.exp(v - top) for v in z)) - z[label]


def cross_entropy_backward(z, label):
    return [p - (1.0 if i == label else 0.0) for i, p in enumerate(softmax(z))]
