import torch

x = torch.tensor([1., 2.], requires_grad=True)
for _ in range(500):
    length = torch.sqrt((x * x).sum())
    length.backward()
    with torch.no_grad():
        x.sub_(0.01 * x.grad)
    x.grad = None
print('x=', x)
