"""Hill climbing, another style: take the first lower neighbour found (first improvement)."""


def hillClimbing(f, p, h=0.01):
    point = [float(v) for v in p]
    here = f(point)
    moved = True
    while moved:
        moved = False
        for i in range(len(point)):
            for step in (h, -h):
                trial = point[:]
                trial[i] += step
                there = f(trial)
                if there < here:
                    point, here, moved = trial, there, True
                    break
            if moved:
                break
    return point
