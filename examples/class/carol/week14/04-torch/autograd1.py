import torch


def energy(u, v):
    return u.pow(2) + v.pow(2)


def back(t):
    # 包一層, 叫 pytorch 自動微分
    t.backward()
    return t


u = torch.tensor(1., requires_grad=True)
v = torch.tensor(3., requires_grad=True)
e = back(energy(u, v))
print(u.grad)
print(v.grad)
print(e.item())
