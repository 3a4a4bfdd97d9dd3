"""Hill climbing with a bug: only ever tries p[i] + h, so it cannot walk down to a lower coordinate."""


def hillClimbing(f, p, h=0.01):
    p = list(p)
    while True:
        better = None
        for i in range(len(p)):
            q = list(p)
            q[i] += h
            if f(q) < f(p):
                better = q
        if better is None:
            return p
        p = better
