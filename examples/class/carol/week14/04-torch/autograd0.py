import torch

a = torch.tensor(1., requires_grad=True)   # 一定要是浮點數
b = torch.tensor(3., requires_grad=True)
out = a.pow(2) + b.pow(2)
out.backward()
print(a.grad)
print(b.grad)
print(out.item())
