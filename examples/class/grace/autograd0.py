import torch

# 浮點數才能算梯度
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
f = x**2 + y**2
f.backward()
print(x.grad)
print(y.grad)
print(f.item())
