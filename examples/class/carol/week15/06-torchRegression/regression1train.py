# W15 用 Linear(3, 1) 擬合 y = x + 2x^2 + 3x^3
import math

import torch


def features(x):
    # (x, x^2, x^3) 疊成 (N, 3)
    return torch.stack([x ** k for k in (1, 2, 3)], dim=1)


def GD(inputs, outputs, model, loss_fn, loop_max=10000, learning_rate=1e-3):
    opt = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for i in range(loop_max):
        loss = loss_fn(model(inputs), outputs)
        if i % 100 == 99:
            print(i, loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


if __name__ == '__main__':
    xs = torch.linspace(-math.pi, math.pi, 2000)
    ys = xs + 2 * xs ** 2 + 3 * xs ** 3
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    GD(features(xs), ys, model, torch.nn.MSELoss(reduction='sum'))
    w, b = model[0].weight[0], model[0].bias
    print(f'Result: y = {b.item()} + {w[0].item()} x + {w[1].item()} x^2 + {w[2].item()} x^3')
    torch.save(model, 'model.ckpt')
