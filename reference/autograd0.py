"""PyTorch computes the gradient for us: f = x² + y² at (1, 3) gives (2, 6).
Only floating-point tensors can require gradients: tensor(2.) has a dot for that reason."""
import torch

x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
f = x * x + y * y
f.backward()        # fills x.grad and y.grad with ∂f/∂x and ∂f/∂y
print(x.grad)
print(y.grad)
print(f.item())
