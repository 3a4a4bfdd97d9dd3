# 反傳遞 net.py

class Node:
    def __init__(self, v=0, g=0):
        self.v = v
        self.g = g

    def __str__(self):
        return 'v:' + str(self.v) + ' g:' + str(self.g)


class Gate:
    def __init__(self, o, x, y, f, gfx, gfy):
        self.o, self.x, self.y = o, x, y
        self.f, self.gfx, self.gfy = f, gfx, gfy

    def forward(self):
        self.o.v = self.f(self.x.v, self.y.v)
        return self.o.v

    def backward(self):
        x, y, o = self.x, self.y, self.o
        # 鏈鎖法則: 梯度 = 偏微分 * 輸出的梯度
        x.g = self.gfx(x.v, y.v) * o.g
        y.g = self.gfy(x.v, y.v) * o.g

    def adjust(self, step=0.01):
        x, y = self.x, self.y
        x.v -= step * x.g
        y.v -= step * y.g
        x.g = 0
        y.g = 0


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
        for g in self.gates:
            g.forward()
        return self.o.v

    def backward(self):
        self.o.g = 1
        for g in reversed(self.gates):
            g.backward()

    def adjust(self, step=0.01):
        for g in self.gates:
            g.adjust(step)

    def gradient_descendent(self, maxLoops=100, dumpPeriod=1, step=0.01):
        for i in range(maxLoops):
            e = self.forward()
            if i % dumpPeriod == 0:
                print(i, ' => ', e)
            self.backward()
            self.adjust(step)
