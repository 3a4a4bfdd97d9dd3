import torch

def f(x, y):
    return x*x + y*y

x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = f(x, y)
z.backward()
print(x.grad)
print(y.grad)
print(z.item())
