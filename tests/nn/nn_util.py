"""Shared by the nn tests: move torch modules' state into tjit modules and compare outputs."""
from __future__ import annotations

import numpy as np
import torch

import tjit
from helpers import assert_same


def to_tjit(t: torch.Tensor) -> tjit.Tensor:
    """A tjit copy of a torch tensor (values through numpy)."""
    return tjit.tensor(t.detach().numpy(), dtype=getattr(tjit, str(t.dtype).removeprefix("torch.")))


def copy_state(src: torch.nn.Module, dst) -> None:
    """Load torch's state_dict into the tjit module: keys must match one for one."""
    res = dst.load_state_dict({k: to_tjit(v) for k, v in src.state_dict().items()})
    assert repr(res) == "<All keys matched successfully>"


def pair(torch_cls, tjit_cls, *args, **kwargs):
    """The same layer in both frameworks, tjit's holding torch's parameters."""
    t = torch_cls(*args, **kwargs)
    j = tjit_cls(*args, **{k: _convert(v) for k, v in kwargs.items()})
    copy_state(t, j)
    return t, j


def _convert(v):
    return to_tjit(v) if isinstance(v, torch.Tensor) else v


def rand(*shape, seed=0, low=-2.0, high=2.0, dtype="float32"):
    """The same random values as a (torch, tjit) pair."""
    a = np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)
    return torch.tensor(a), tjit.tensor(a)


def check_layer(t_mod, j_mod, *inputs, rtol=None, atol=None, grad=True):
    """Run both layers on the same (torch, tjit) inputs; compare outputs and, when tjit has
    autograd, the gradients of inputs and parameters."""
    t_in = [x[0] if isinstance(x, tuple) else x for x in inputs]
    j_in = [x[1] if isinstance(x, tuple) else x for x in inputs]
    grad = grad and has_autograd()
    if grad:
        for t in t_in + [*t_mod.parameters()]:
            if isinstance(t, torch.Tensor) and t.is_floating_point():
                t.requires_grad_(True)
        for j in j_in:
            if isinstance(j, tjit.Tensor) and j.is_floating_point():
                j.requires_grad_(True)
    t_out, j_out = t_mod(*t_in), j_mod(*j_in)
    j_params = dict(j_mod.named_parameters())
    t_named = [(f"parameter {n}", p, j_params[n]) for n, p in t_mod.named_parameters()]
    t_named += [(f"input {i}", t, j) for i, (t, j) in enumerate(zip(t_in, j_in))]
    _compare(t_out, j_out, t_named if grad else [], rtol, atol)
    return t_out, j_out


def check_fn(torch_fn, tjit_fn, *arrays, grad=True, rtol=None, atol=None):
    """torch_fn and tjit_fn on the same numpy inputs; float inputs get gradients compared.
    tjit's outputs and gradients are realized in one schedule (one compile)."""
    t_in = [torch.tensor(a) for a in arrays]
    j_in = [tjit.tensor(a) for a in arrays]
    grad = grad and has_autograd()
    if grad:
        for t, j in zip(t_in, j_in):
            if t.is_floating_point():
                t.requires_grad_(True)
                j.requires_grad_(True)
    t_out, j_out = torch_fn(*t_in), tjit_fn(*j_in)
    named = [(f"input {i}", t, j) for i, (t, j) in enumerate(zip(t_in, j_in))] if grad else []
    _compare(t_out, j_out, named, rtol, atol)
    return t_out, j_out


def _compare(t_out, j_out, named, rtol, atol):
    """Compare outputs and, for every (name, torch leaf, tjit leaf) given, gradients of a
    fixed random weighting of the outputs."""
    t_outs = t_out if isinstance(t_out, (tuple, list)) else (t_out,)
    j_outs = j_out if isinstance(j_out, (tuple, list)) else (j_out,)
    pending = [j for j in j_outs if isinstance(j, tjit.Tensor)]
    t_loss, j_loss = 0, 0
    for k, (t, j) in enumerate(zip(t_outs, j_outs)):
        if named and isinstance(t, torch.Tensor) and t.requires_grad:
            w = np.random.default_rng(100 + k).uniform(0.5, 1.5, size=tuple(t.shape))
            t_loss = t_loss + (t * torch.tensor(w, dtype=t.dtype)).sum()
            j_loss = j_loss + (j * tjit.tensor(w, dtype=j.dtype)).sum()
    if isinstance(t_loss, torch.Tensor):
        t_loss.backward()
        j_loss.backward()
        pending += [j.grad for _, t, j in named if t.grad is not None and j.grad is not None]
    tjit.realize(*pending)
    assert_same(t_out, j_out, rtol=rtol, atol=atol)
    for name, t, j in named:
        if t.grad is not None:
            assert j.grad is not None, f"{name}: tjit computed no gradient"
            assert_same(t.grad, j.grad, rtol=rtol, atol=atol, what=f"grad of {name}")


def has_autograd() -> bool:
    return hasattr(tjit.Tensor, "backward")
