# A custom nn.Module: parameters registered by attribute, a forward pass, the autograd graph it builds,
# and gradients after backward. Run it: npx gradscope run examples/custom_module.py
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyNet(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)
        self.scale = nn.Parameter(torch.ones(n_out))

    def forward(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h) * self.scale


torch.manual_seed(42)
net = TinyNet(3, 5, 2)
print(net)
print([name for name, _ in net.named_parameters()])
print(sum(p.numel() for p in net.parameters()))

x = torch.randn(4, 3)
out = net(x)
print(out)
print(out.grad_fn.name())

target = torch.tensor([0, 1, 1, 0])
loss = F.cross_entropy(out, target)
print(loss)
loss.backward()
print(net.scale.grad)
print(net.fc1.weight.grad.shape)
print(net.fc2.bias.grad)
