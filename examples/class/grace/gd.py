# 梯度下降法
import numpy as np

def df(f, p, k, step=0.01):
    p1 = np.copy(np.asarray(p, dtype=float))
    p1[k] = p1[k] + step
    return (f(p1) - f(p)) / step

def grad(f, p, step=0.01):
    gp = np.zeros(len(p))
    for k in range(len(p)):
        gp[k] = df(f, p, k, step)
    return gp

def gradientDescendent(f, p0, step=0.01):
    p = np.array(p0, dtype=float)
    for i in range(2000):        # 最多走 2000 步
        gp = grad(f, p)
        if np.linalg.norm(gp) < 0.00001:
            break
        p += step * gp           # 沿著梯度走
    return p

def f(p):
    x, y = p
    return x*x + y*y

print('p=', gradientDescendent(f, [1.0, 3.0]))
