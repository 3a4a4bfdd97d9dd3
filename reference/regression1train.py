"""Fit y = x + 2x² + 3x³ with a linear layer on the features (x, x², x³) and save the model.

Adapted by the course from PyTorch's "Learning PyTorch with Examples". Trains on the GPU
when there is one; the checkpoint is moved to the CPU first so it loads on any machine.
"""
import math

import torch

device = 'cuda' if torch.cuda.is_available() else 'cpu'

x = torch.linspace(-math.pi, math.pi, 2000, device=device)
y = x + 2 * x ** 2 + 3 * x ** 3

# Prepare the input tensor (x, x^2, x^3): x has shape (2000,), xx has shape (2000, 3).
p = torch.tensor([1, 2, 3], device=device)
xx = x.unsqueeze(-1).pow(p)


def GD(inputs, outputs, model, loss_fn, loop_max=10000, learning_rate=1e-3):
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for loop in range(loop_max):
        y_pred = model(inputs)
        loss = loss_fn(y_pred, outputs)
        if loop % 100 == 99:
            print(loop, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


if __name__ == '__main__':
    torch.manual_seed(7)                    # the layer's random start, the same every run
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 1),              # y = b + w1 x + w2 x² + w3 x³
        torch.nn.Flatten(0, 1),             # (2000, 1) -> (2000,), the shape of y
    ).to(device)
    loss_fn = torch.nn.MSELoss()            # mean squared error
    GD(xx, y, model, loss_fn)

    linear_layer = model[0]
    print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
          f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
    torch.save(model.to('cpu'), 'model.ckpt')
