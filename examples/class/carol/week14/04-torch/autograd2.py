import torch

vec = torch.tensor([1., 3.], requires_grad=True)
f = (vec ** 2).sum()
f.backward()
print('f=', f.item())
print('x.grad=', vec.grad)
