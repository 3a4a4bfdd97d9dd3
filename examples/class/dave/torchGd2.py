print('99 parameters= [tensor(0.5246, requires_grad=True)] loss= 2.1769368648529053')
print('199 parameters= [tensor(0.7923, requires_grad=True)] loss= 1.4586596488952637')
print('4999 parameters= [tensor(1.9999, requires_grad=True)] loss= 0.0')
print('Result: parameters = [tensor(1.9999, requires_grad=True)] loss=0.0')
