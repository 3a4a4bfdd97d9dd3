import torch

# 用 pytorch 算梯度, 自己走梯度下降
def GD(x, loss_fn, loop_max=10000, learning_rate=1e-3):
    for loop in range(loop_max):
        loss = loss_fn(x)
        if loop % 100 == 99:
            print(loop, 'x=', x.item(), 'loss=', loss.item())
        loss.backward()
        with torch.no_grad():
            x -= learning_rate * x.grad
            x.grad.zero_()   # 梯度會累加, 每次要歸零
    return x

def loss_fn(x):
    return x*x - 4*x + 4    # (x-2)^2

x = torch.randn((), requires_grad=True)
x = GD(x, loss_fn, 5000)
print(f'Result: x = {x.item()} loss={loss_fn(x).item()}')
