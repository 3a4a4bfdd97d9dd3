import torch

# f = |x| (向量長度), 梯度是單位向量 x/|x|
x = torch.tensor([1.0, 3.0], requires_grad=True)
f = x.norm()
f.backward()
print('f=', f.item())
print('x.grad=', x.grad)
