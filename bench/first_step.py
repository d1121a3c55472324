"""Time from a fresh process's start to the first MLP training step's result.

Prints the seconds as the last line; run twice against the same TJIT_CACHE_DIR to get the
cold (empty cache) and warm (cached objects) numbers.
"""
import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402

import tjit  # noqa: E402

rng = np.random.default_rng(0)
x = tjit.tensor(rng.standard_normal((256, 784)).astype(np.float32))
y = tjit.tensor(rng.integers(0, 10, 256))
tjit.manual_seed(0)
model = tjit.nn.Sequential(tjit.nn.Linear(784, 512), tjit.nn.ReLU(), tjit.nn.Linear(512, 512), tjit.nn.ReLU(),
                           tjit.nn.Linear(512, 10))
opt = tjit.optim.Adam(model.parameters(), 1e-3)
opt.zero_grad()
loss = tjit.nn.CrossEntropyLoss()(model(x), y)
loss.backward()
opt.step()
loss.item()
print(time.perf_counter() - t0)
