# W13 反傳遞演算法
# 跟老師不一樣的地方: Net.adjust 每個節點只調整一次 (用 set 收集節點)
# 老師的版本在 x*x 時 x 會被調兩次, 所以 net2 的數字跟筆記不同 (我的是 x <- 0.98x)


class Node:
    def __init__(self, v=0, g=0):
        self.v, self.g = v, g

    def __str__(self):
        return f'v:{self.v} g:{self.g}'


class Gate:
    def __init__(self, o, x, y, f, gfx, gfy):
        self.o, self.x, self.y = o, x, y
        self.f, self.gfx, self.gfy = f, gfx, gfy

    def forward(self):
        self.o.v = self.f(self.x.v, self.y.v)
        return self.o.v

    def backward(self):
        dx = self.gfx(self.x.v, self.y.v)
        dy = self.gfy(self.x.v, self.y.v)
        self.x.g += dx * self.o.g   # 累加! 同一個節點可能進來兩次
        self.y.g += dy * self.o.g

    def adjust(self, step=0.01):
        for n in (self.x, self.y):
            n.v -= step * n.g
        self.x.g = self.y.g = 0


class Net:
    def __init__(self):
        self.gates = []
        self.o = None

    def variable(self, v, g=0):
        return Node(v, g)

    def op(self, x, y, f, gfx, gfy):
        out = Node()
        self.gates.append(Gate(out, x, y, f, gfx, gfy))
        self.o = out
        return out

    def add(self, x, y):
        return self.op(x, y, lambda a, b: a + b, lambda a, b: 1, lambda a, b: 1)

    def mul(self, x, y):
        return self.op(x, y, lambda a, b: a * b, lambda a, b: b, lambda a, b: a)

    def forward(self):
        for gate in self.gates:
            gate.forward()
        return self.o.v

    def backward(self):
        self.o.g = 1
        for gate in self.gates[::-1]:
            gate.backward()

    def adjust(self, step=0.01):
        nodes = set()
        for gate in self.gates:
            nodes.add(gate.x)
            nodes.add(gate.y)
        for n in nodes:          # 每個節點只動一次
            n.v -= step * n.g
            n.g = 0

    def gradient_descendent(self, maxLoops=100, dumpPeriod=1, step=0.01):
        for i in range(maxLoops):
            energy = self.forward()
            if i % dumpPeriod == 0:
                print(i, ' => ', energy)
            self.backward()
            self.adjust(step)
