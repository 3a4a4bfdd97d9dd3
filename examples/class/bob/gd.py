import numpy as np

# 偏微分 (前向差分)
def df(f, p, k, step=0.01):
    fp = f(p)
    p[k] += step          # 直接加在 p 上
    return (f(p) - fp) / step

# 梯度
def grad(f, p, step=0.01):
    gp = []
    for k in range(len(p)):
        gp.append(df(f, p, k, step))
    return np.array(gp)

# 梯度下降, 最多跑 10000 次免得跑不停
def gradientDescendent(f, p0, step=0.01):
    p = np.array(p0, dtype=float)
    for i in range(10000):
        gp = grad(f, p)
        if np.linalg.norm(gp) < 0.00001:
            break
        p = p - step * gp
    return p

def f(p):
    x, y = p
    return x**2 + y**2

print(gradientDescendent(f, [1.0, 3.0]))
