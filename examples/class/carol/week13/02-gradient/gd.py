# W13 梯度下降
# 我用中央差分 (f(p+h) - f(p-h)) / 2h, 比前向差分準 (誤差是 h^2 等級)
import numpy as np


def df(f, p, k, step=0.01):
    e = np.zeros(len(p))
    e[k] = step                      # 第 k 軸的單位向量 * h
    pa = np.asarray(p, dtype=float)  # 新陣列, 不會改到 p
    return (f(pa + e) - f(pa - e)) / (2 * step)


def grad(f, p, step=0.01):
    return np.array([df(f, p, k, step) for k in range(len(p))])


def gradientDescendent(f, p0, step=0.01):
    p = np.array(p0, dtype=float)
    g = grad(f, p)
    while np.sqrt(np.dot(g, g)) >= 1e-5:   # 梯度長度夠小 = 到谷底
        p = p - step * g
        g = grad(f, p)
    return p


def bowl(p):
    return p[0] ** 2 + p[1] ** 2


end = gradientDescendent(bowl, [1.0, 3.0])
print('谷底在', end, 'f =', bowl(end))
