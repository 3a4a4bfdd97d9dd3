"""Hill climbing: walk downhill one coordinate step at a time, without any derivative.

From p, try p ± h along every coordinate; move to the lowest neighbour while one is lower than
f(p); stop when none is."""


def hillClimbing(f, p, h=0.01):
    p = list(p)
    fp = f(p)
    while True:
        best, best_value = None, fp
        for i in range(len(p)):
            for d in (h, -h):
                q = list(p)
                q[i] += d
                value = f(q)
                if value < best_value:
                    best, best_value = q, value
        if best is None:
            return p
        p, fp = best, best_value


if __name__ == "__main__":
    print(hillClimbing(lambda p: (p[0] - 1) ** 2 + (p[1] + 2) ** 2, [0, 0]))
