# 老師的 code 改自 LEARNING PYTORCH WITH EXAMPLES
import torch
import math

x = torch.linspace(-math.pi, math.pi, 2000)
y = x + 2*x**2 + 3*x**3

# Prepare the input tensor (x, x^2, x^3).
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
loss_fn = torch.nn.MSELoss(reduction='mean')

def GD(inputs, outputs, model, loss_fn, loop_max=10000, learning_rate=1e-3):
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for loop in range(loop_max):
        y_pred = model(inputs)
        loss = loss_fn(y_pred, outputs)
        if loop % 100 == 99:
            print(loop, loss.item())   # 損失應該愈來愈小
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model

GD(xx, y, model, loss_fn)

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
torch.save(model, 'model.ckpt')
