# PyTorch peer for bench/run.mjs: the same workloads, printed as one JSON object on stdout.
# Run by /usr/bin/python3 (PyTorch 1.13). Which BLAS serves matmul depends on the libblas.so.3 the
# loader finds (LD_LIBRARY_PATH); run.mjs reports it. Usage: torch_peer.py [--quick] [--threads N]
import json, sys, time
import torch
import torch.nn.functional as F

quick = '--quick' in sys.argv
threads = int(sys.argv[sys.argv.index('--threads') + 1]) if '--threads' in sys.argv else 1
torch.set_num_threads(threads)


def best(fn, reps=7, inner=1, warmup=1, budget=3.0, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    b = float('inf')
    t0 = time.perf_counter()
    for r in range(reps):
        s = clock()
        for _ in range(inner):
            fn()
        b = min(b, (clock() - s) / inner)
        if r >= 1 and time.perf_counter() - t0 > budget:
            break
    return b * 1000.0  # ms


out = {'threads': threads, 'matmul': {}}
sizes = [128, 256] if quick else [128, 256, 512, 1024]
for n in sizes:
    a, b = torch.rand(n, n), torch.rand(n, n)
    for name, (x, y) in {'A·B': (a, b), 'Aᵀ·B': (a.t(), b), 'A·Bᵀ': (a, b.t())}.items():
        ms = best(lambda: torch.mm(x, y), reps=3 if n >= 1024 else 7, inner=20 if n <= 128 else 1)
        out['matmul'][f'{n} {name}'] = 2 * n ** 3 / (ms * 1e6)

for n in [1 << 20] if quick else [1 << 20, 1 << 24]:
    x, y = torch.rand(n), torch.rand(n)
    inner = 10 if n <= 1 << 20 else 1
    out[f'add {n}'] = 3 * 4 * n / (best(lambda: torch.add(x, y), reps=9, inner=inner) * 1e6)
    out[f'exp {n}'] = 2 * 4 * n / (best(lambda: torch.exp(x), reps=9, inner=inner) * 1e6)
x = torch.rand(1 << 24)
out['sum'] = 4 * (1 << 24) / (best(lambda: torch.sum(x)) * 1e6)
x = torch.rand(1024, 1024)
out['softmax'] = best(lambda: torch.softmax(x, 1), reps=9, inner=2)


def tiny(with_grad):
    a, b = torch.rand(2, 2, requires_grad=with_grad), torch.rand(2, 2)
    n = 20000
    def loop():
        for _ in range(n):
            torch.add(a, b)
    # CPU time, like the engine's tiny-op figure (robust on a loaded machine)
    return best(loop, reps=5, warmup=1, clock=time.process_time) * 1000 / n


out['tiny'] = tiny(False)
out['tiny grad'] = tiny(True)

torch.manual_seed(0)
w1 = (torch.randn(256, 784) * 0.05).requires_grad_()
b1 = torch.zeros(256, requires_grad=True)
w2 = (torch.randn(10, 256) * 0.05).requires_grad_()
b2 = torch.zeros(10, requires_grad=True)
params = [w1, b1, w2, b2]
xb, yb = torch.randn(64, 784), torch.randint(0, 10, (64,))


def step():
    loss = F.cross_entropy(F.linear(F.linear(xb, w1, b1).relu(), w2, b2), yb)
    loss.backward()
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad * 0.01)
            p.grad = None


out['mlp'] = 1000.0 / best(step, reps=15, inner=3, warmup=3)
print(json.dumps(out))
