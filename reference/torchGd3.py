"""Descent with two variables on f(x) = ‖x‖. The gradient x/‖x‖ always has length 1, so every
step is exactly 0.01 long: the walk cannot settle at (0, 0) and ends beside it."""
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
learning_rate = 0.01
for _ in range(500):
    f = torch.norm(x)
    f.backward()
    with torch.no_grad():
        x -= learning_rate * x.grad
        x.grad.zero_()
print('x=', x)
