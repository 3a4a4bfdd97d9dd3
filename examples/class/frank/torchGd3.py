import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
learning_rate = 0.01
for i in range(500):
    f = torch.norm(x)
    f.backward()
    with torch.no_grad():
        x -= learnig_rate * x.grad
        x.grad.zero_()
print('x=', x)
