import torch

vec = torch.tensor([1., 3.], requires_grad=True)
f = torch.sqrt(torch.sum(vec ** 2))   # 長度 = 根號(平方和)
f.backward()
print('f=', f.item())
print('x.grad=', vec.grad)
