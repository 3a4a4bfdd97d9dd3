import net as nn

g = nn.Net()
x = g.variable(1)
y = g.variable(3)
o = g.add(g.mul(x, x), g.mul(y, y))

g.gradient_descendent()      # 我的 adjust 每個節點只動一次, 所以是 x <- 0.98x
print('x=', x.v, 'y=', y.v)
