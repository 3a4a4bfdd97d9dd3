"""One vector variable instead of two scalars: f = Σ xᵢ², so ∇f = 2x."""
import torch

x = torch.tensor([1.0, 3.0], requires_grad=True)
f = torch.sum(x * x)
f.backward()
print('f=', f.item())
print('x.grad=', x.grad)
