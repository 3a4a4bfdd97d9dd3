# 爬山演算法: 不用梯度, 每次往四周看一步, 哪裡比較低就往哪裡走
def hillClimbing(f, p, h=0.01):
    p = list(p)
    while True:
        fnow = f(p)
        moved = False
        for i in range(len(p)):
            for dh in [h, -h]:
                q = p.copy()
                q[i] += dh
                if f(q) < fnow:
                    p, fnow, moved = q, f(q), True
        if not moved:
            break
    return p


print(hillClimbing(lambda p: (p[0] - 1) ** 2 + (p[1] + 2) ** 2, [0, 0]))
