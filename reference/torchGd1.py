"""Gradient descent on one torch scalar: PyTorch gives the gradient, we take the step."""
import torch


def GD(x, loss_fn, loop_max=10000, learning_rate=1e-3):
    for loop in range(loop_max):
        loss = loss_fn(x)
        if loop % 100 == 99:
            print(loop, 'x=', x.item(), 'loss=', loss.item())
        loss.backward()
        with torch.no_grad():           # the step itself must not be recorded in the graph
            x -= learning_rate * x.grad
            x.grad.zero_()              # backward() adds to x.grad: clear it for the next loop
    return x


def loss_fn(x):
    # (x - 2)², expanded as the course writes it. Near x = 2 the expansion cancels to
    # exactly 0.0 in float32, which is why the notes print loss=0.0 at the end.
    return x * x - 4 * x + 4


if __name__ == '__main__':
    torch.manual_seed(7)                # a random start, but the same one every run
    x = torch.randn((), requires_grad=True)
    x = GD(x, loss_fn, 5000)
    print(f'Result: x = {x.item()} loss={loss_fn(x).item()}')
