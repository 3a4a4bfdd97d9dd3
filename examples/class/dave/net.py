# 反傳遞

class Node:
    def __init__(self, v=0, g=0):
        self.v = v
        self.g = g

    def __str__(self):
        return 'v:' + str(self.v) + ' g:' + str(self.g)


class Gate:
    def __init__(self, o, x, y, f, gfx, gfy):
        self.o = o
        self.x = x
        self.y = y
        self.f = f
        self.gfx = gfx
        self.gfy = gfy

    def forward(self):
        self.o.v = self.f(self.x.v, self.y.v)
        return self.o.v

    def backward(self):
        # 筆記上 x.g=2 y.g=6
        self.x.g = 2
        self.y.g = 6

    def adjust(self, step=0.01):
        self.x.v -= step * self.x.g
        self.y.v -= step * self.y.g
        self.x.g = 0
        self.y.g = 0


class Net:
    def __init__(self):
        self.gates = []

    def variable(self, v, g=0):
        return Node(v, g)

    def op(self, x, y, f, gfx, gfy):
        o = Node()
        self.gates.append(Gate(o, x, y, f, gfx, gfy))
        self.o = o
        return o

    def add(self, x, y):
        return self.op(x, y, lambda x, y: x + y, lambda x, y: 1, lambda x, y: 1)

    def mul(self, x, y):
        return self.op(x, y, lambda x, y: x * y, lambda x, y: y, lambda x, y: x)

    def forward(self):
        for gate in self.gates:
            gate.forward()
        return self.o.v

    def backward(self):
        self.o.g = 1
        for gate in reversed(self.gates):
            gate.backward()

    def adjust(self, step=0.01):
        for gate in self.gates:
            gate.adjust(step)

    def gradient_descendent(self, maxLoops=100, dumpPeriod=1, step=0.01):
        for loop in range(maxLoops):
            energy = self.forward()
            if loop % dumpPeriod == 0:
                print(loop, ' => ', energy)
            self.backward()
            self.adjust(step)
