"""The benchmark workloads of the CPU performance issue, each in tjit, torch and numpy."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Workload:
    name: str
    setup: Callable[[], dict]
    note: Callable[[float], str] | None = None


def _rng():
    return np.random.default_rng(0)


def _fresh(a):
    """A tjit tensor on `a`'s memory as a new graph leaf: tjit hash-conses graphs, so
    reusing one input tensor would let a repeated run find its results already computed
    (reductions are kept); a new leaf per run measures the computation itself."""
    import tjit
    return tjit.from_numpy(a)


def ew_chain(n):
    import torch
    import tjit
    a = _rng().standard_normal(n).astype(np.float32)
    tx = torch.from_numpy(a)

    def run_tjit():
        x = _fresh(a)
        (tjit.sin(tjit.exp(x * 2 + 1)) * x + tjit.tanh(x)).realize()

    def run_numpy():
        np.sin(np.exp(a * 2 + 1)) * a + np.tanh(a)
    return {"tjit": run_tjit, "torch": lambda: torch.sin(torch.exp(tx * 2 + 1)) * tx + torch.tanh(tx),
            "numpy": run_numpy}


def softmax(rows, cols):
    import torch
    import tjit
    a = _rng().standard_normal((rows, cols)).astype(np.float32)
    tx = torch.from_numpy(a)

    def run_tjit():
        x = _fresh(a)
        e = (x - x.amax(1, keepdim=True)).exp()
        (e / e.sum(1, keepdim=True)).realize()

    def run_numpy():
        e = np.exp(a - a.max(1, keepdims=True))
        e / e.sum(1, keepdims=True)
    return {"tjit": run_tjit, "torch": lambda: torch.softmax(tx, 1), "numpy": run_numpy}


def layernorm(rows, cols):
    import torch
    import tjit
    a = _rng().standard_normal((rows, cols)).astype(np.float32)
    tx = torch.from_numpy(a)

    def run_tjit():
        x = _fresh(a)
        mu = x.mean(-1, keepdim=True)
        d = x - mu
        (d * ((d * d).mean(-1, keepdim=True) + 1e-5).rsqrt()).realize()

    def run_numpy():
        d = a - a.mean(-1, keepdims=True)
        d / np.sqrt((d * d).mean(-1, keepdims=True) + 1e-5)
    return {"tjit": run_tjit, "torch": lambda: torch.nn.functional.layer_norm(tx, (cols,)), "numpy": run_numpy}


def total_sum(n):
    import torch
    import tjit
    a = _rng().standard_normal(n).astype(np.float32)
    tx = torch.from_numpy(a)
    return {"tjit": lambda: _fresh(a).sum().realize(), "torch": lambda: tx.sum(), "numpy": lambda: a.sum()}


def matmul(n):
    import torch
    import tjit
    a = _rng().standard_normal((n, n)).astype(np.float32)
    b = _rng().standard_normal((n, n)).astype(np.float32)
    tx, ty = torch.from_numpy(a), torch.from_numpy(b)
    return {"tjit": lambda: (_fresh(a) @ _fresh(b)).realize(), "torch": lambda: tx @ ty, "numpy": lambda: a @ b}


def tiny_ops(count, compiled=False):
    """`compiled`: the loop as a tjit.compile'd function (traced once, replayed after)."""
    import torch
    import tjit
    a = _rng().standard_normal(16).astype(np.float32)
    tx0 = torch.from_numpy(a)

    def chain(x):
        for _ in range(count):
            x = x * 1.0001 + 0.0001
        return x
    step = tjit.compile(chain) if compiled else chain

    def run_tjit():
        step(_fresh(a)).realize()

    def run_torch():
        x = tx0
        for _ in range(count):
            x = x * 1.0001 + 0.0001

    def run_numpy():
        x = a
        for _ in range(count):
            x = x * np.float32(1.0001) + np.float32(0.0001)
    return {"tjit": run_tjit, "torch": run_torch, "numpy": run_numpy}


def gflops(n):
    return lambda t: f"{2 * n ** 3 / t / 1e9:.1f} GFLOP/s"


# set by run.py: the machine's copy bandwidth, bytes/s (memory-bound rows report a share of it)
COPY_BANDWIDTH = 0.0


def gbps(nbytes):
    def note(t):
        share = f" ({100 * nbytes / t / COPY_BANDWIDTH:.0f}% of copy)" if COPY_BANDWIDTH else ""
        return f"{nbytes / t / 1e9:.1f} GB/s{share}"
    return note


def all_workloads(quick: bool) -> list:
    s = 4 if quick else 1
    n16 = (1 << 24) // s
    return [
        Workload("ew_chain 16M", lambda: ew_chain(n16), gbps(8 * n16)),
        Workload("softmax 4096x4096", lambda: softmax(4096 // s, 4096), gbps(8 * 4096 * 4096 // s)),
        Workload("layernorm 8192x1024", lambda: layernorm(8192 // s, 1024), gbps(8 * 8192 * 1024 // s)),
        Workload("sum 64M", lambda: total_sum((1 << 26) // s), gbps(4 * (1 << 26) // s)),
        Workload("matmul 1024", lambda: matmul(1024 // (2 if quick else 1)), gflops(1024 // (2 if quick else 1))),
        Workload("matmul 2048", lambda: matmul(2048 // (4 if quick else 1)), gflops(2048 // (4 if quick else 1))),
        Workload("1000 tiny ops (16 elements)", lambda: tiny_ops(1000)),
        Workload("1000 tiny ops, tjit.compile", lambda: tiny_ops(1000, compiled=True)),
    ] + _model_workloads(quick)


def _model_workloads(quick: bool) -> list:
    try:
        import models
    except ImportError:
        return []
    return models.workloads(quick)
