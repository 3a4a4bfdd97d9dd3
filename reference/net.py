"""A tiny computation graph with hand-written backpropagation (course: 07-neural/03-net).

Every value lives in a Node (v: value, g: gradient of the output with respect to it).
A Gate computes o = f(x, y) forward and sends the gradient back by the chain rule:
x.g += ∂f/∂x · o.g. The gradients are *added* (+=) because a node used in several
places receives a contribution from each of them.
"""


class Node:
    def __init__(self, v=0, g=0):
        self.v = v  # value
        self.g = g  # gradient (partial derivative of the net's output)

    def __str__(self):
        return 'v:' + str(self.v) + ' g:' + str(self.g)


class Gate:
    def __init__(self, o, x, y, f, gfx, gfy):
        self.o, self.x, self.y = o, x, y
        self.f = f          # the function o = f(x, y)
        self.gfx = gfx      # ∂f/∂x as a function of (x, y)
        self.gfy = gfy      # ∂f/∂y as a function of (x, y)

    def forward(self):
        self.o.v = self.f(self.x.v, self.y.v)
        return self.o.v

    def backward(self):
        x, y, o = self.x, self.y, self.o
        x.g += self.gfx(x.v, y.v) * o.g
        y.g += self.gfy(x.v, y.v) * o.g

    def adjust(self, step=0.01):
        # When x and y are the same node (x*x) it is moved twice: the course keeps
        # this, which is why net2 prints 9.216 after one step (x <- 0.96 x).
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
        self.o = o          # the last gate's output is the net's output
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
        self.o.g = 1        # ∂o/∂o = 1 starts the chain rule
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
