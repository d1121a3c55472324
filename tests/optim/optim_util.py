"""Shared by the optim tests: a small MLP problem built identically in torch and tjit, and
helpers that step both optimizers and compare parameter trajectories."""
from __future__ import annotations

import copy

import numpy as np
import torch

import tjit
from tjit.runtime import stats

# torch's reference runs are tiny: its thread pool only contends with the other test processes
# on a busy machine (50 steps of a small MLP took 8 s with 2 threads, 0.2 s with one)
torch.set_num_threads(1)

SHAPES = [(8, 4), (8,), (3, 8), (3,)]  # W1, b1, W2, b2
_rng = np.random.default_rng(1234)
INIT = [(_rng.standard_normal(s) * 0.5).astype(np.float32) for s in SHAPES]
X = _rng.standard_normal((16, 4)).astype(np.float32)
Y = _rng.standard_normal((16, 3)).astype(np.float32)
_XJ, _YJ = tjit.tensor(X), tjit.tensor(Y)
_XT, _YT = torch.tensor(X), torch.tensor(Y)


def mlp_loss(fw, params, x, y):
    """mean((tanh(x W1^T + b1) W2^T + b2 - y)^2) with the ops of framework `fw`."""
    w1, b1, w2, b2 = params
    h = fw.tanh(x @ w1.T + b1)
    return ((h @ w2.T + b2 - y) ** 2).mean()


def params_pair(init=INIT):
    """The same leaf parameters in torch and in tjit."""
    return ([torch.tensor(a, requires_grad=True) for a in init],
            [tjit.tensor(a, requires_grad=True) for a in init])


def loss_torch(tp):
    return mlp_loss(torch, tp, _XT, _YT)


def loss_tjit(jp):
    return mlp_loss(tjit, jp, _XJ, _YJ)


def backward_pair(tp, jp):
    """Gradients of the MLP loss, each framework's autograd on its own parameters."""
    loss_torch(tp).backward()
    loss = loss_tjit(jp)
    loss.backward()
    return loss


def closure_for(opt, params, loss_fn):
    """The usual closure: zero the gradients, compute the loss, backward, return it."""
    def closure():
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        return loss
    return closure


def torch_grads(values):
    """Gradients of the MLP loss at `values` (numpy arrays), computed by torch: hand-set
    gradients that test the update math alone."""
    ps = [torch.tensor(np.asarray(v), requires_grad=True) for v in values]
    mlp_loss(torch, ps, _XT, _YT).backward()
    return [p.grad.numpy() for p in ps]


def set_grads(params):
    """p.grad = torch's gradient at p's current value, for torch or tjit parameters."""
    module = torch if isinstance(params[0], torch.Tensor) else tjit
    for p, g in zip(params, torch_grads([p.detach().numpy() for p in params])):
        p.grad = module.tensor(g)


def set_torch_grads(tp, jp):
    """Both optimizers get torch's gradients at their own current parameters."""
    set_grads(tp)
    set_grads(jp)


def assert_params_close(expected, actual, step, rtol=1e-5, atol=1e-5):
    """Parameter lists (of either framework) agree."""
    for i, (a, b) in enumerate(zip(expected, actual)):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"parameter {i} after step {step}")


def compile_events() -> dict:
    """Counters that grow whenever a graph structure is met for the first time in this
    process: scheduled afresh, or its plan/object code loaded from the disk cache."""
    snap = stats.snapshot()
    return {k: snap.get(k, 0) for k in ("schedules", "plan_disk_hits", "llvm_compiles", "disk_cache_hits")}


def to_tjit_value(v):
    """A torch state_dict value converted for tjit through numpy (containers recursively)."""
    if isinstance(v, torch.Tensor):
        return tjit.tensor(v.detach().numpy())
    if isinstance(v, dict):
        return {k: to_tjit_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(to_tjit_value(x) for x in v)
    return v


def to_torch_value(v):
    if isinstance(v, tjit.Tensor):
        return torch.tensor(v.detach().numpy())
    if isinstance(v, dict):
        return {k: to_torch_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(to_torch_value(x) for x in v)
    return v


def assert_state_dicts_equal(t_sd, j_sd, rtol=1e-5, atol=1e-6):
    """Same layout (keys, param indices, group options) and values."""
    assert t_sd["param_groups"] == copy.deepcopy(to_torch_value(j_sd["param_groups"]))
    assert list(t_sd["state"].keys()) == list(j_sd["state"].keys())
    for k, t_state in t_sd["state"].items():
        j_state = j_sd["state"][k]
        assert sorted(t_state.keys()) == sorted(j_state.keys()), k
        for name, tv in t_state.items():
            _assert_value_close(tv, j_state[name], rtol, atol, f"state[{k}][{name!r}]")


def _assert_value_close(tv, jv, rtol, atol, where):
    if isinstance(tv, torch.Tensor):
        assert isinstance(jv, tjit.Tensor), where
        assert str(jv.dtype).removeprefix("tjit.") == str(tv.dtype).removeprefix("torch."), where
        assert tuple(jv.shape) == tuple(tv.shape), where
        np.testing.assert_allclose(jv.detach().numpy(), tv.detach().numpy(), rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(tv, (list, tuple)):
        assert len(tv) == len(jv), where
        for i, (a, b) in enumerate(zip(tv, jv)):
            _assert_value_close(a, b, rtol, atol, f"{where}[{i}]")
    elif isinstance(tv, float):
        assert jv == tv or abs(jv - tv) <= atol + rtol * abs(tv), where
    else:
        assert jv == tv, where
