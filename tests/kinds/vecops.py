"""Numerical vector-field operators: divergence by central differences."""


def div(F, p, h=1e-5):
    total = 0.0
    for i in range(len(p)):
        up, down = list(p), list(p)
        up[i] += h
        down[i] -= h
        total += (F(up)[i] - F(down)[i]) / (2 * h)
    return total
