print('net.forward()= 10')
print('net.backwward()')
print('x= v:1 g:2 y= v:3 g:6 o= v:10 g:1')
print('gfx = x.g/o.g =  2.0 gfy = y.g/o.g= 6.0')
