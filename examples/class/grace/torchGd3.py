import torch

# 給兩個變數
x = torch.tensor([1.0, 2.0], requires_grad=True)
for step in range(500):
    loss = torch.norm(x)
    loss.backward()
    with torch.no_grad():
        x -= 0.01 * x.grad
        x.grad.zero_()
print('x=', x)
