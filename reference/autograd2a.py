"""The gradient of the norm ‖x‖ = √Σxᵢ² is the unit vector x / ‖x‖."""
import torch

x = torch.tensor([1.0, 3.0], requires_grad=True)
f = torch.norm(x)
f.backward()
print('f=', f.item())
print('x.grad=', x.grad)
