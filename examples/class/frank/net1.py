from net import Net

net = Net()
a = net.variable(1)
b = net.variable(3)
o = net.add(net.mul(a, a), net.mul(b, b))

print('net.forward()=', net.forward())
print('net.backwward()')
net.backward()
print('x=', a, 'y=', b, 'o=', o)
print('gfx = x.g/o.g = ', a.g/o.g, 'gfy = y.g/o.g=', b.g/o.g)
