"""Load the model saved by regression1train.py and predict y at x = 2 (exactly 2 + 8 + 24 = 34)."""
import torch

device = 'cuda' if torch.cuda.is_available() else 'cpu'

# The checkpoint is a whole pickled model, so weights_only=False is needed on torch >= 2.6.
# Only load checkpoints you made yourself: unpickling can run arbitrary code.
model = torch.load('model.ckpt', map_location=device, weights_only=False)

x = torch.tensor([2.0], device=device)
p = torch.tensor([1, 2, 3], device=device)
xx = x.unsqueeze(-1).pow(p)
print(f'predict={model(xx)}')
