# 梯度下降法 (07-neural/02-gradient)
import numpy as np
from numpy.linalg import norm

# 函數 f 在點 p 對第 k 個變數的偏微分 (往前差分)
def df(f, p, k, step=0.01):
    q = np.array(p, dtype=float)   # 複製一份, 不要動到原本的 p
    q[k] = q[k] + step
    return (f(q) - f(p)) / step

# 梯度 = 每個變數的偏微分排成向量
def grad(f, p, step=0.01):
    g = []
    for k in range(len(p)):
        g.append(df(f, p, k, step))
    return np.array(g)

# 朝逆梯度方向一直走, 走到梯度幾乎為 0 (谷底) 就停
def gradientDescendent(f, p0, step=0.01):
    p = np.array(p0, dtype=float)
    i = 0
    while True:
        i += 1
        gp = grad(f, p)
        glen = norm(gp)
        if i % 100 == 0:
            print('{:d}: f(p)={:.5f} p={} glen={:.5f}'.format(i, f(p), p, glen))
        if glen < 0.00001:
            break
        p = p - step * gp
    return p

# 測試: f(x, y) = x^2 + y^2
def f(p):
    [x, y] = p
    return x * x + y * y

print('p=', gradientDescendent(f, [1.0, 3.0]))
