"""The derivative of a cubic, written by hand: the reference for a `gradient` check without `of`."""


def cubic_prime(x):
    return [3 * v * v - 2 * v + 1 for v in x]
