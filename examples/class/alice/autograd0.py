import torch

# 浮點數才能算梯度, 所以要寫 1.0 不能寫 1
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x*x + y*y
z.backward()
print(x.grad)   # dz/dx = 2x
print(y.grad)   # dz/dy = 2y
print(z.item())
