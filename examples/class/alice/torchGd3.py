import torch

# 兩個變數, 對 |x| 做梯度下降
x = torch.tensor([1.0, 2.0], requires_grad=True)
lr = 0.01
for i in range(500):
    f = torch.norm(x)
    f.backward()
    with torch.no_grad():
        x -= lr * x.grad
        x.grad.zero_()
print('x=', x)
