import torch

# 讀回 regression1train.py 存的模型, 預測 x = 2 (答案應該接近 2+8+24=34)
model = torch.load('model.ckpt', weights_only=False)

x = torch.tensor([2.0])
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print(f'predict={model(xx)}')
