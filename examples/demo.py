"""tjit demo: a fused computation and its dumps, then a small model trained on the CPU.

    python examples/demo.py
"""
import numpy as np

import tjit

# 1. one fused kernel: the whole expression is a single loop over the data
x = tjit.randn(1024, 1024)
y = (x * 2 + 1).exp().sin() * x + x.tanh()
print("== schedule of (x*2+1).exp().sin()*x + x.tanh() ==")
sched = tjit.debug.schedule(y)
print(sched)
print(sched.kernels[0].kernel)

# 2. softmax: max, sum and the normalisation share one kernel
e = (x - x.amax(1, keepdim=True)).exp()
print("\n== row softmax ==")
print(tjit.debug.schedule(e / e.sum(1, keepdim=True)))

# 3. train a small MLP classifier on synthetic data (forward, backward and the optimizer
#    step all run as compiled kernels; later steps reuse the first step's code)
rng = np.random.default_rng(0)
centers = rng.standard_normal((3, 2)) * 3
labels = rng.integers(0, 3, 512)
points = centers[labels] + rng.standard_normal((512, 2))
X = tjit.tensor(points, dtype=tjit.float32)
Y = tjit.tensor(labels)

model = tjit.nn.Sequential(tjit.nn.Linear(2, 32), tjit.nn.ReLU(), tjit.nn.Linear(32, 3))
opt = tjit.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = tjit.nn.CrossEntropyLoss()
print("\n== training ==")
for step in range(60):
    opt.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    opt.step()
    if step % 10 == 0 or step == 59:
        acc = (model(X).argmax(1) == Y).float().mean().item()
        print(f"step {step:3d}  loss {loss.item():.4f}  accuracy {acc:.3f}")

from tjit.runtime import stats  # noqa: E402
print("\ncompile counters:", stats.snapshot())
