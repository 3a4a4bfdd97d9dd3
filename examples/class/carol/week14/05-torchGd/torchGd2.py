import torch


def GD(parameters, loss_fn, loop_max=10000, learning_rate=1e-3):
    for i in range(loop_max):
        loss = loss_fn(parameters)
        if (i + 1) % 100 == 0:
            print(i, 'parameters=', parameters, 'loss=', loss.item())
        loss.backward()
        with torch.no_grad():
            for w in parameters:
                w.sub_(learning_rate * w.grad)
                w.grad = None
    return parameters


def loss_fn(parameters):
    return (parameters[0] - 2) ** 2


# 用 float64 比較準
parameters = [torch.randn((), dtype=torch.float64, requires_grad=True)]
parameters = GD(parameters, loss_fn, 5000)
print(f'Result: parameters = {parameters} loss={loss_fn(parameters).item()}')
