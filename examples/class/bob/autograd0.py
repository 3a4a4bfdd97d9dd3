import torch

x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
f = x*x + y*y
f.backward()
print(x.grad)
print(y.grad)
print(f.item())
