"""Every learning-rate scheduler against torch: the lr (and scheduled momentum/betas) of each
param group over 100 steps must be equal, not merely close; state_dicts match torch's and
round trip; and a scheduled lr never makes a training step compile new code."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import tjit
from optim_util import compile_events, params_pair, set_torch_grads

STEPS = 100


def _sched(name):
    return lambda fw: getattr(fw.optim.lr_scheduler, name)


# name -> (optimizer name, optimizer kwargs, factory(fw, opt) -> scheduler)
CASES = {
    "StepLR": ("SGD", {}, lambda fw, o: _sched("StepLR")(fw)(o, step_size=7, gamma=0.5)),
    "MultiStepLR": ("SGD", {}, lambda fw, o: _sched("MultiStepLR")(fw)(o, milestones=[10, 30, 30, 60], gamma=0.3)),
    "ExponentialLR": ("SGD", {}, lambda fw, o: _sched("ExponentialLR")(fw)(o, gamma=0.97)),
    "CosineAnnealingLR": ("SGD", {}, lambda fw, o: _sched("CosineAnnealingLR")(fw)(o, T_max=20, eta_min=0.001)),
    "LambdaLR": ("SGD", {}, lambda fw, o: _sched("LambdaLR")(fw)(o, [lambda e: 0.95 ** e, lambda e: 1 / (e + 1)])),
    "MultiplicativeLR": ("SGD", {}, lambda fw, o: _sched("MultiplicativeLR")(fw)(o, lambda e: 0.99 if e % 3 else 0.9)),
    "LinearLR": ("SGD", {}, lambda fw, o: _sched("LinearLR")(fw)(o, start_factor=0.25, total_iters=30)),
    "ConstantLR": ("SGD", {}, lambda fw, o: _sched("ConstantLR")(fw)(o, factor=0.5, total_iters=10)),
    "PolynomialLR": ("SGD", {}, lambda fw, o: _sched("PolynomialLR")(fw)(o, total_iters=50, power=2.0)),
    "OneCycleLR": ("SGD", {"momentum": 0.9},
                   lambda fw, o: _sched("OneCycleLR")(fw)(o, max_lr=[0.1, 0.2], total_steps=STEPS)),
    "OneCycleLR-adam-linear-3phase": ("Adam", {}, lambda fw, o: _sched("OneCycleLR")(fw)(
        o, max_lr=0.05, epochs=10, steps_per_epoch=10, anneal_strategy="linear", three_phase=True)),
    "CyclicLR": ("SGD", {"momentum": 0.9},
                 lambda fw, o: _sched("CyclicLR")(fw)(o, base_lr=0.01, max_lr=0.1, step_size_up=10)),
    "CyclicLR-triangular2": ("SGD", {"momentum": 0.9}, lambda fw, o: _sched("CyclicLR")(fw)(
        o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=7, step_size_down=5, mode="triangular2")),
    "CyclicLR-exp_range-adam": ("Adam", {}, lambda fw, o: _sched("CyclicLR")(fw)(
        o, base_lr=0.001, max_lr=0.01, step_size_up=8, mode="exp_range", gamma=0.97)),
    "CosineAnnealingWarmRestarts": ("SGD", {}, lambda fw, o: _sched("CosineAnnealingWarmRestarts")(fw)(
        o, T_0=10, T_mult=2, eta_min=0.001)),
    "SequentialLR": ("SGD", {}, lambda fw, o: _sched("SequentialLR")(fw)(
        o, [_sched("LinearLR")(fw)(o, start_factor=0.1, total_iters=10), _sched("ExponentialLR")(fw)(o, gamma=0.9),
            _sched("StepLR")(fw)(o, step_size=5)], milestones=[10, 40])),
    "ChainedScheduler": ("SGD", {}, lambda fw, o: _sched("ChainedScheduler")(fw)(
        [_sched("ConstantLR")(fw)(o, factor=0.5, total_iters=5), _sched("ExponentialLR")(fw)(o, gamma=0.95)])),
}


def _metric(step):
    """A validation loss that improves, plateaus, improves again: exercises patience/cooldown."""
    return 1.0 / (1 + min(step, 20)) + (0.5 if 40 <= step < 45 else 0.0) + 0.01 * (step > 60)


def _optimizer(fw, name, kwargs):
    a, b = fw.zeros(2, requires_grad=True), fw.zeros(3, requires_grad=True)
    return getattr(fw.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, **kwargs)


def _momentum(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


def _run(fw, make_opt, make_sched, steps=STEPS, metric=False):
    opt = make_opt(fw)
    sched = make_sched(fw, opt)
    out = []
    for step in range(steps):
        opt.step()
        sched.step(_metric(step)) if metric else sched.step()
        out.append((sched.get_last_lr(), [(g["lr"], _momentum(g)) for g in opt.param_groups]))
    return out, opt, sched


@pytest.mark.parametrize("case", list(CASES))
def test_lr_sequence_equals_torch(case):
    name, kwargs, factory = CASES[case]
    make_opt = lambda fw: _optimizer(fw, name, kwargs)  # noqa: E731
    t_seq, _, t_sched = _run(torch, make_opt, factory)
    j_seq, _, j_sched = _run(tjit, make_opt, factory)
    assert j_seq == t_seq
    assert sorted(j_sched.state_dict()) == sorted(t_sched.state_dict())


def test_reduce_lr_on_plateau_equals_torch():
    for kwargs in (dict(patience=3, factor=0.5, cooldown=2), dict(mode="max", threshold_mode="abs", patience=0,
                                                                  min_lr=[0.02, 0.0], threshold=0.1)):
        def make(fw, o):
            return fw.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs)
        t_seq, _, t_sched = _run(torch, lambda fw: _optimizer(fw, "SGD", {}), make, metric=True)
        j_seq, _, j_sched = _run(tjit, lambda fw: _optimizer(fw, "SGD", {}), make, metric=True)
        assert j_seq == t_seq
        assert j_sched.state_dict() == t_sched.state_dict()


@pytest.mark.parametrize("case", ["CosineAnnealingWarmRestarts", "OneCycleLR", "SequentialLR", "CyclicLR"])
def test_state_dict_resumes_the_sequence(case):
    """A scheduler saved after 30 steps (by tjit or by torch) and loaded into a fresh tjit
    scheduler continues exactly as the uninterrupted one."""
    name, kwargs, factory = CASES[case]
    make_opt = lambda fw: _optimizer(fw, name, kwargs)  # noqa: E731
    full, _, _ = _run(tjit, make_opt, factory)
    for fw in (tjit, torch):
        _, opt, sched = _run(fw, make_opt, factory, steps=30)
        saved_groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
        j_opt = make_opt(tjit)
        j_sched = factory(tjit, j_opt)
        j_sched.load_state_dict(sched.state_dict())
        for g, saved in zip(j_opt.param_groups, saved_groups):
            g.update(saved)
        rest = []
        for _ in range(STEPS - 30):
            j_opt.step()
            j_sched.step()
            rest.append((j_sched.get_last_lr(), [(g["lr"], _momentum(g)) for g in j_opt.param_groups]))
        assert rest == full[30:], fw.__name__


def test_warnings_match_torch():
    opt = _optimizer(tjit, "SGD", {})
    sched = tjit.optim.lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        tjit.optim.lr_scheduler.StepLR(object(), 3)
    opt = _optimizer(tjit, "SGD", {"momentum": 0.9})
    sched = tjit.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=5)
    opt.step()
    with pytest.raises(ValueError, match="total steps is 5"):
        for _ in range(6):
            sched.step()


def test_scheduled_lr_compiles_nothing_new():
    """The lr changes every step, the compiled update does not."""
    tp, jp = params_pair()
    t_opt, j_opt = torch.optim.Adam(tp, lr=0.01), tjit.optim.Adam(jp, lr=0.01)
    t_s = torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=5)
    j_s = tjit.optim.lr_scheduler.CosineAnnealingLR(j_opt, T_max=5)
    for step in range(8):
        set_torch_grads(tp, jp)
        t_opt.step()
        j_opt.step()
        t_s.step()
        j_s.step()
        if step == 1:
            before = compile_events()
    assert compile_events() == before
    assert j_s.get_last_lr() == t_s.get_last_lr()
    for a, b in zip(tp, jp):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert math.isclose(j_opt.param_groups[0]["lr"], t_opt.param_groups[0]["lr"])
