# o = x*x + y*y, 在 (1, 3) 手算反傳遞
from net import Net

net = Net()
x = net.variable(1)
y = net.variable(3)
xx = net.mul(x, x)
yy = net.mul(y, y)
o = net.add(xx, yy)

print('net.forward()=', net.forward())
print('net.backwward()')
net.backward()
print('x=', x, 'y=', y, 'o=', o)
print('gfx = x.g/o.g = ', x.g/o.g, 'gfy = y.g/o.g=', y.g/o.g)
