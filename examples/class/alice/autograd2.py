import torch

# 一個向量變數 x = [1, 3], f = x1^2 + x2^2
x = torch.tensor([1.0, 3.0], requires_grad=True)
f = torch.sum(x*x)
f.backward()
print('f=', f.item())
print('x.grad=', x.grad)
