import net as nn

g = nn.Net()
x = g.variable(1)
y = g.variable(3)
o = g.add(g.mul(x, x), g.mul(y, y))   # o = x^2 + y^2

print('net.forward()=', g.forward())
print('net.backwward()')
g.backward()
print('x=', x, 'y=', y, 'o=', o)
print('gfx = x.g/o.g = ', x.g / o.g, 'gfy = y.g/o.g=', y.g / o.g)
