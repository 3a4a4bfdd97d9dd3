import numpy as np


def softmax(z):
    z = np.array(z, dtype=float)
    ez = np.exp(z - np.max(z))  # 先減最大值, 才不會 overflow
    return ez / np.sum(ez)


def cross_entropy(z, label):
    return -np.log(softmax(z)[label])


def cross_entropy_backward(z, label):
    y = np.zeros(len(z))
    y[label] = 1
    return softmax(z) - y


z = np.array([1.0, 2.0, 0.5])
print('softmax=', softmax(z), 'loss=', cross_entropy(z, 1), 'grad=', cross_entropy_backward(z, 1))
