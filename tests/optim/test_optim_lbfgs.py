"""LBFGS against torch on the Rosenbrock function (with and without the strong-Wolfe line
search), its state_dict in both directions, and its compile behaviour.

Rosenbrock runs in float64: L-BFGS on it amplifies one-ulp differences (kernels may fuse
a*b+c into an FMA where torch rounds twice) by many orders of magnitude, so in float32 the
trajectories of two correct implementations part ways after a few steps."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import tjit
from optim_util import (assert_params_close, closure_for, compile_events, loss_tjit, loss_torch, params_pair,
                        to_tjit_value, to_torch_value)

X0 = np.array([-1.2, 1.0])
CONFIGS = {"plain": dict(lr=0.5, max_iter=10, history_size=5, tolerance_change=1e-12),
           "strong_wolfe": dict(lr=1, history_size=5, line_search_fn="strong_wolfe")}


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _pair(kwargs, x0=X0):
    tx, jx = torch.tensor(x0, requires_grad=True), tjit.tensor(x0, requires_grad=True)
    return tx, jx, torch.optim.LBFGS([tx], **kwargs), tjit.optim.LBFGS([jx], **kwargs)


def _closure(opt, x):
    return closure_for(opt, x, rosenbrock)


def _assert_same_state(t_opt, tx, j_opt, jx):
    ts, js = t_opt.state[tx], j_opt.state[jx]
    for key in ("func_evals", "n_iter"):
        assert js[key] == ts[key], key
    np.testing.assert_allclose(js["d"].numpy(), ts["d"].numpy(), rtol=1e-5, atol=1e-9)
    assert len(js["old_dirs"]) == len(ts["old_dirs"])


@pytest.mark.parametrize("config", list(CONFIGS))
def test_rosenbrock_trajectory(config):
    tx, jx, t_opt, j_opt = _pair(CONFIGS[config])
    for step in range(1, 21):
        t_loss = t_opt.step(_closure(t_opt, tx))
        j_loss = j_opt.step(_closure(j_opt, jx))
        assert abs(j_loss.item() - t_loss.item()) <= 1e-6 * (1 + abs(t_loss.item()))
        assert_params_close([tx], [jx], step, rtol=1e-6, atol=1e-9)
        if step == 4:
            compiled = compile_events()
    _assert_same_state(t_opt, tx, j_opt, jx)
    assert np.allclose(jx.detach().numpy(), [1.0, 1.0], atol=1e-4)
    assert compile_events() == compiled, "steps after the 4th compiled new kernels"


@pytest.mark.parametrize("direction", ["torch_to_tjit", "tjit_to_torch", "tjit_to_tjit"])
def test_state_dict_round_trip(direction):
    """Three steps, the state_dict loaded into a fresh optimizer (of the other framework, or
    of tjit again) on a copy of the parameters; both continue for three steps in step."""
    kwargs = CONFIGS["strong_wolfe"]
    tx, jx, t_opt, j_opt = _pair(kwargs)
    for _ in range(3):
        t_opt.step(_closure(t_opt, tx))
        j_opt.step(_closure(j_opt, jx))
    if direction == "torch_to_tjit":
        a, opt_a = tx, t_opt
        b = tjit.tensor(tx.detach().numpy(), requires_grad=True)
        opt_b = tjit.optim.LBFGS([b], **kwargs)
        opt_b.load_state_dict(to_tjit_value(t_opt.state_dict()))
    elif direction == "tjit_to_torch":
        a, opt_a = jx, j_opt
        b = torch.tensor(jx.detach().numpy(), requires_grad=True)
        opt_b = torch.optim.LBFGS([b], **kwargs)
        opt_b.load_state_dict(to_torch_value(j_opt.state_dict()))
    else:
        a, opt_a = jx, j_opt
        b = tjit.tensor(jx.detach().numpy(), requires_grad=True)
        opt_b = tjit.optim.LBFGS([b], **kwargs)
        opt_b.load_state_dict(copy.deepcopy(j_opt.state_dict()))
    for step in range(3):
        opt_a.step(_closure(opt_a, a))
        opt_b.step(_closure(opt_b, b))
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-6, atol=1e-9)
    assert opt_b.state[b]["n_iter"] == opt_a.state[a]["n_iter"]
    assert opt_b.state[b]["func_evals"] == opt_a.state[a]["func_evals"]


def test_float32_mlp_first_steps():
    """float32 and several parameters: the flattening, the history and the update agree
    with torch over the first steps (before float32 rounding differences can grow)."""
    tp, jp = params_pair()
    t_opt = torch.optim.LBFGS(tp, max_iter=4, history_size=3)
    j_opt = tjit.optim.LBFGS(jp, max_iter=4, history_size=3)
    for step in range(1, 3):
        t_loss = t_opt.step(closure_for(t_opt, tp, loss_torch))
        j_loss = j_opt.step(closure_for(j_opt, jp, loss_tjit))
        assert abs(t_loss.item() - j_loss.item()) < 1e-5
        assert_params_close(tp, jp, step, rtol=1e-4, atol=1e-5)


def test_rejects_param_groups_and_unknown_line_search():
    a, b = tjit.zeros(2, requires_grad=True), tjit.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        tjit.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = tjit.optim.LBFGS([a], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((a - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
