"""state_dict: torch's layout (state keyed by parameter index, param_groups with index lists
and every option), and round trips torch -> tjit, tjit -> torch (values through numpy) and
tjit -> tjit, each followed by steps that must continue the original trajectory."""
from __future__ import annotations

import copy

import pytest
import torch

import tjit
from optim_util import (assert_params_close, assert_state_dicts_equal, params_pair, set_grads, set_torch_grads,
                        to_tjit_value, to_torch_value)

CONFIGS = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
           ("AdamW", dict(lr=0.01)), ("Adamax", dict()), ("Adadelta", dict()), ("Adagrad", dict(lr_decay=0.1)),
           ("ASGD", dict(t0=2)), ("RMSprop", dict(centered=True, momentum=0.5)), ("Rprop", dict())]
IDS = [c[0] for c in CONFIGS]


def _stepped(name, kwargs, steps=3):
    tp, jp = params_pair()
    t_opt = getattr(torch.optim, name)(tp, **kwargs)
    j_opt = getattr(tjit.optim, name)(jp, **kwargs)
    for _ in range(steps):
        set_torch_grads(tp, jp)
        t_opt.step()
        j_opt.step()
    return tp, jp, t_opt, j_opt


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_layout_and_values_match_torch(name, kwargs):
    tp, jp, t_opt, j_opt = _stepped(name, kwargs)
    assert_state_dicts_equal(t_opt.state_dict(), j_opt.state_dict())


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
@pytest.mark.parametrize("direction", ["torch_to_tjit", "tjit_to_torch", "tjit_to_tjit"])
def test_round_trip_continues_the_trajectory(name, kwargs, direction):
    tp, jp, t_opt, j_opt = _stepped(name, kwargs)
    values = [p.detach().numpy() for p in (tp if direction == "torch_to_tjit" else jp)]
    if direction == "torch_to_tjit":
        a, opt_a = tp, t_opt
        b = [tjit.tensor(v, requires_grad=True) for v in values]
        opt_b = getattr(tjit.optim, name)(b, **kwargs)
        opt_b.load_state_dict(to_tjit_value(t_opt.state_dict()))
    elif direction == "tjit_to_torch":
        a, opt_a = jp, j_opt
        b = [torch.tensor(v, requires_grad=True) for v in values]
        opt_b = getattr(torch.optim, name)(b, **kwargs)
        opt_b.load_state_dict(to_torch_value(j_opt.state_dict()))
    else:
        a, opt_a = jp, j_opt
        b = [tjit.tensor(v, requires_grad=True) for v in values]
        opt_b = getattr(tjit.optim, name)(b, **kwargs)
        opt_b.load_state_dict(copy.deepcopy(j_opt.state_dict()))
    for step in range(3):
        set_grads(a)
        set_grads(b)
        opt_a.step()
        opt_b.step()
        assert_params_close(a, b, step)


def test_adagrad_state_exists_from_construction():
    tp, jp = params_pair()
    t_opt = torch.optim.Adagrad(tp, initial_accumulator_value=0.5)
    j_opt = tjit.optim.Adagrad(jp, initial_accumulator_value=0.5)
    assert_state_dicts_equal(t_opt.state_dict(), j_opt.state_dict())
