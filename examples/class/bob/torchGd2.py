import torch

def GD(parameters, loss_fn, loop_max=10000, learning_rate=1e-3):
    for loop in range(loop_max):
        loss = loss_fn(parameters)
        if loop % 100 == 99:
            print(loop, 'parameters=', parameters, 'loss=', loss.item())
        loss.backward()
        with torch.no_grad():
            for p in parameters:
                p -= learning_rate * p.grad
                p.grad.zero_()
    return parameters

def loss_fn(parameters):
    x = parameters[0]
    return x*x - 4*x + 4

parameters = [torch.randn((), requires_grad=True)]
parameters = GD(parameters, loss_fn, 5000)
print(f'Result: parameters = {parameters} loss={loss_fn(parameters).item()}')
