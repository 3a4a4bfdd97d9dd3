"""train(inputs, outputs, model, loss_fn, loop_max, learning_rate) with SGD, the course's loop."""
import torch


def train(inputs, outputs, model, loss_fn, loop_max, learning_rate):
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    for _ in range(loop_max):
        loss = loss_fn(model(inputs), outputs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
