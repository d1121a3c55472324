"""Model-level workloads: training steps and an LSTM forward, in tjit and torch."""
from __future__ import annotations

import numpy as np

from workloads import Workload


def _copy_params(src_torch, dst_tjit):
    import tjit
    dst_tjit.load_state_dict({k: tjit.tensor(v.detach().numpy()) for k, v in src_torch.state_dict().items()})


def _stepper(step, compiled: bool):
    """The tjit step as it is, or through tjit.compile (traced once, replayed after; the
    loss is read so that the step's work is done, as the eager step's realize does)."""
    import tjit
    if not compiled:
        return step
    cstep = tjit.compile(step)
    return lambda: cstep().item()


def mlp_step(batch=256, compiled=False):
    import torch
    import tjit
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)

    def build(nn):
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    tm, jm = build(torch.nn), build(tjit.nn)
    _copy_params(tm, jm)
    topt, jopt = torch.optim.Adam(tm.parameters(), 1e-3), tjit.optim.Adam(jm.parameters(), 1e-3)
    tx, ty, jx, jy = torch.from_numpy(x), torch.from_numpy(y), tjit.tensor(x), tjit.tensor(y)
    tloss, jloss = torch.nn.CrossEntropyLoss(), tjit.nn.CrossEntropyLoss()

    def run_torch():
        topt.zero_grad()
        tloss(tm(tx), ty).backward()
        topt.step()

    def run_tjit():
        jopt.zero_grad()
        loss = jloss(jm(jx), jy)
        loss.backward()
        jopt.step()
        return loss
    return {"tjit": _stepper(run_tjit, compiled), "torch": run_torch}


class _Net:
    """The PyTorch MNIST example's CNN, built from either framework's nn."""

    @staticmethod
    def build(nn, F):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1)
                self.conv2 = nn.Conv2d(32, 64, 3, 1)
                self.dropout1 = nn.Dropout(0.25)
                self.dropout2 = nn.Dropout(0.5)
                self.fc1 = nn.Linear(9216, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = F.relu(self.conv2(x))
                x = F.max_pool2d(x, 2)
                x = self.dropout1(x)
                x = x.flatten(1)
                x = F.relu(self.fc1(x))
                x = self.dropout2(x)
                return F.log_softmax(self.fc2(x), dim=1)
        return Net()


def cnn_step(batch=64, compiled=False):
    import torch
    import tjit
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    tm = _Net.build(torch.nn, torch.nn.functional)
    jm = _Net.build(tjit.nn, tjit.nn.functional)
    _copy_params(tm, jm)
    topt = torch.optim.SGD(tm.parameters(), 0.01, momentum=0.9)
    jopt = tjit.optim.SGD(jm.parameters(), 0.01, momentum=0.9)
    tx, ty, jx, jy = torch.from_numpy(x), torch.from_numpy(y), tjit.tensor(x), tjit.tensor(y)

    def run_torch():
        topt.zero_grad()
        torch.nn.functional.nll_loss(tm(tx), ty).backward()
        topt.step()

    def run_tjit():
        jopt.zero_grad()
        loss = tjit.nn.functional.nll_loss(jm(jx), jy)
        loss.backward()
        jopt.step()
        return loss
    return {"tjit": _stepper(run_tjit, compiled), "torch": run_torch}


def lstm_forward(seq=64, batch=32, compiled=False):
    import torch
    import tjit
    x = np.random.default_rng(0).standard_normal((seq, batch, 128)).astype(np.float32)
    tm, jm = torch.nn.LSTM(128, 256), tjit.nn.LSTM(128, 256)
    _copy_params(tm, jm)
    tx, jx = torch.from_numpy(x), tjit.tensor(x)

    def run_torch():
        with torch.no_grad():
            tm(tx)

    step = tjit.compile(jm) if compiled else jm  # compiled: traced once, replayed after

    def run_tjit():
        with tjit.no_grad():
            out, (h, c) = step(jx)
            tjit.realize(out, h, c)
    return {"tjit": run_tjit, "torch": run_torch}


def workloads(quick: bool) -> list:
    return [
        Workload("MLP 784-512-512-10 Adam step", lambda: mlp_step(64 if quick else 256)),
        Workload("MLP step, tjit.compile", lambda: mlp_step(64 if quick else 256, compiled=True)),
        Workload("MNIST CNN SGD-momentum step", lambda: cnn_step(16 if quick else 64)),
        Workload("MNIST CNN step, tjit.compile", lambda: cnn_step(16 if quick else 64, compiled=True)),
        Workload("LSTM(128->256) forward 64x32", lambda: lstm_forward(16 if quick else 64, 32)),
        Workload("LSTM forward, tjit.compile", lambda: lstm_forward(16 if quick else 64, 32, compiled=True)),
    ]
