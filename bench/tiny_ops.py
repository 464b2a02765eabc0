# Per-op overhead from Python: 10,000 tiny (2×2) adds, without and with autograd tracking.
import time
import torch

a = torch.rand(2, 2)
b = torch.rand(2, 2)
g = torch.rand(2, 2, requires_grad=True)


def per_op_us(x, n=10000, rounds=5):
    best = float('inf')
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            torch.add(x, b)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e6


per_op_us(a, 1000, 1)
print(f"tiny_add_us {per_op_us(a):.3f}")
print(f"tiny_add_grad_us {per_op_us(g):.3f}")
