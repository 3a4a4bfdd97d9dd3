import torch

# 向量的長度
x = torch.tensor([1.0, 3.0], requires_grad=True)
f = sum(x*x)
f.backward()
print('f=', f.item())
print('x.grad=', x.grad)
