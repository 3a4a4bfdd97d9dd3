import numpy as np

def df(f, p, k, step=0.01):
    p1 = np.array(p, dtype=float)
    p1[k] += step
    return (f(p1) - f(p)) / step
def grad(f, p, step=0.01)
    return np.array([df(f, p, k, step) for k in range(len(p))])

# 梯度下降
def gradientDescendent(f, p0, step=0.01):
    p = np.array(p0, dtype=float)
    while np.linalg.norm(grad(f, p)) >= 0.00001:
        p = p - step * grad(f, p)
    return p
