import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
for i in range(500):
    f = torch.norm(x)
    f.backward()
    with torch.no_grad():
        x -= 0.01 * x.grad
        x.grad.zero_()
print('x=', x)
