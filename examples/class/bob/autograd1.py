import torch

def func(x, y):
    return x*x + y*y

x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
f = func(x, y)
f.backward()
print(x.grad)
print(y.grad)
print(f.item())
