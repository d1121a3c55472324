"""Every optimizer and option combination against torch: 20 steps on a small MLP from the
same initial weights, gradients from each framework's own autograd, parameters compared
after every step; then the compile counters: a step after the second compiles nothing."""
from __future__ import annotations

import pytest
import torch

import tjit
from optim_util import assert_params_close, backward_pair, compile_events, params_pair, set_torch_grads

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, decoupled_weight_decay=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.7, 0.9), weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-8)),
    ("Adagrad", dict(lr=0.05, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.005, alpha=0.9, weight_decay=0.1, momentum=0.5)),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.3, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-4, 0.1), maximize=True)),
]


def _ids(cfg):
    name, kw = cfg
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[_ids(c) for c in CONFIGS])
def test_trajectory_matches_torch(name, kwargs):
    tp, jp = params_pair()
    t_opt = getattr(torch.optim, name)(tp, **kwargs)
    j_opt = getattr(tjit.optim, name)(jp, **kwargs)
    for step in range(1, 21):
        t_opt.zero_grad()
        j_opt.zero_grad()
        backward_pair(tp, jp)
        t_opt.step()
        j_opt.step()
        assert_params_close(tp, jp, step)


COMPILE_CONFIGS = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.01, amsgrad=True)),
                   ("AdamW", dict(lr=0.01)), ("Adamax", dict()), ("Adadelta", dict()),
                   ("Adagrad", dict(lr_decay=0.1)), ("ASGD", dict()), ("RMSprop", dict(centered=True, momentum=0.5)),
                   ("Rprop", dict())]


@pytest.mark.parametrize("name,kwargs", COMPILE_CONFIGS, ids=[c[0] for c in COMPILE_CONFIGS])
def test_steps_after_the_second_compile_nothing(name, kwargs):
    """Hyper-parameters that change every step (bias corrections, clr, eta) are kernel
    arguments: with the lr changing too, step 3 onwards reuses step 2's kernels."""
    tp, jp = params_pair()
    t_opt = getattr(torch.optim, name)(tp, **kwargs)
    j_opt = getattr(tjit.optim, name)(jp, **kwargs)
    for step in range(1, 9):
        set_torch_grads(tp, jp)
        t_opt.step()
        j_opt.step()
        for opt in (t_opt, j_opt):
            opt.param_groups[0]["lr"] *= 0.9
        if step == 2:
            before = compile_events()
    assert compile_events() == before
    assert_params_close(tp, jp, 8)
