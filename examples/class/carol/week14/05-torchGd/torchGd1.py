import torch


def GD(x, loss_fn, loop_max=10000, learning_rate=1e-3):
    for i in range(loop_max):
        loss = loss_fn(x)
        if (i + 1) % 100 == 0:
            print(i, 'x=', x.item(), 'loss=', loss.item())
        loss.backward()
        with torch.no_grad():
            x.sub_(learning_rate * x.grad)
        x.grad = None          # 清掉梯度, 不然會累加
    return x


def loss_fn(x):
    return (x - 2) ** 2


x = torch.randn((), requires_grad=True)
x = GD(x, loss_fn, 5000)
print(f'Result: x = {x.item()} loss={loss_fn(x).item()}')
