# 用反傳遞算出的梯度做梯度下降
from net import Net

net = Net()
x = net.variable(1)
y = net.variable(3)
xx = net.mul(x, x)
yy = net.mul(y, y)
o = net.add(xx, yy)

net.gradient_descendent()
print('x=', x.v, 'y=', y.v)
