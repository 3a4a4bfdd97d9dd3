import torch

# 把函數寫成 python 的 function
def f(x, y):
    return x**2 + y**2

x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
out = f(x, y)
out.backward()
print(x.grad)
print(y.grad)
print(out.item())
