# A small training loop: a 2-4-1 MLP learns XOR with SGD + momentum and binary cross-entropy.
# Run it: npx gradscope run examples/train_xor.py
import torch
import torch.nn as nn

torch.manual_seed(0)

X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
Y = torch.tensor([[0.], [1.], [1.], [0.]])

model = nn.Sequential(
    nn.Linear(2, 4),
    nn.Tanh(),
    nn.Linear(4, 1),
    nn.Sigmoid(),
)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)

for epoch in range(200):
    optimizer.zero_grad()
    pred = model(X)
    loss = loss_fn(pred, Y)
    loss.backward()
    optimizer.step()
    if epoch % 40 == 0 or epoch == 199:
        print(f"epoch {epoch:3d}  loss {loss.item():.4f}")

with torch.no_grad():
    pred = model(X)
print(pred)
print((pred > 0.5).float().squeeze(1))
print("accuracy:", ((pred > 0.5).float() == Y).float().mean().item())
