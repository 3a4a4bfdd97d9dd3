print('f= 3.1622776985168457')
print('x.grad= tensor([0.3162, 0.9487])')
