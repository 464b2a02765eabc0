# The PERF.md MLP train step as plain PyTorch: batch 64, 784→256→10, ReLU, cross-entropy, backward,
# SGD. Run through the CLI (`node bin/gradscope.js run bench/mlp_step.py`) or with real PyTorch; it
# prints its own figures (best of several timed rounds).
import time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(64, 784)
y = torch.randint(0, 10, (64,))


def step():
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


for _ in range(3):
    step()
best = float('inf')
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(10):
        loss = step()
    best = min(best, (time.perf_counter() - t0) / 10)
print(f"mlp_steps_per_s {1.0 / best:.2f}")
print(f"final_loss {loss.item():.4f}")
