"""The Optimizer base class: parameter groups, validation (torch's exception types and
messages), zero_grad, hooks, repr, in-place updates, and the kernels a step runs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tjit
import tjit.optim.optimizer as optimizer_module
from optim_util import INIT, assert_params_close, params_pair, set_grads, set_torch_grads

ALL = ["SGD", "Adam", "AdamW", "Adamax", "Adadelta", "Adagrad", "ASGD", "RMSprop", "Rprop", "LBFGS"]


@pytest.mark.parametrize("name", ALL)
def test_defaults_and_repr_match_torch(name):
    tp, jp = params_pair()
    t_opt, j_opt = getattr(torch.optim, name)(tp), getattr(tjit.optim, name)(jp)
    assert j_opt.defaults == t_opt.defaults
    assert repr(j_opt) == repr(t_opt)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.1)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(betas=(0.9, -0.1))),
    ("AdamW", dict(weight_decay=-0.1)), ("Adamax", dict(betas=(0.9, 1.5))), ("Adadelta", dict(rho=1.5)),
    ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)), ("ASGD", dict(lr=-0.1)),
    ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(momentum=-1)), ("Rprop", dict(etas=(1.5, 1.2))),
    ("LBFGS", dict(lr=-1)),
])
def test_invalid_hyper_parameters_raise_like_torch(name, kwargs):
    tp, jp = params_pair()
    with pytest.raises(ValueError) as t_err:
        getattr(torch.optim, name)(tp, **kwargs)
    with pytest.raises(ValueError) as j_err:
        getattr(tjit.optim, name)(jp, **kwargs)
    assert str(j_err.value) == str(t_err.value)


def test_param_group_errors():
    a = tjit.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        tjit.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        tjit.optim.SGD(a, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        tjit.optim.SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        tjit.optim.SGD([a, 1.0], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        tjit.optim.SGD([a * 2], lr=0.1)
    opt = tjit.optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": a})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([a])

    class Custom(tjit.optim.Optimizer):
        def __init__(self, params, lr=optimizer_module.required):
            super().__init__(params, dict(lr=lr))
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Custom([a])


def test_param_groups_with_their_own_options_match_torch():
    tp, jp = params_pair()
    groups = lambda ps: [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.001, "betas": (0.5, 0.9)}]  # noqa: E731
    t_opt, j_opt = torch.optim.Adam(groups(tp), lr=0.02), tjit.optim.Adam(groups(jp), lr=0.02)
    extra_t, extra_j = torch.zeros(3, requires_grad=True), tjit.zeros(3, requires_grad=True)
    t_opt.add_param_group({"params": [extra_t], "weight_decay": 0.1})
    j_opt.add_param_group({"params": [extra_j], "weight_decay": 0.1})
    assert [{k: v for k, v in g.items() if k != "params"} for g in j_opt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in t_opt.param_groups]
    for step in range(5):
        set_torch_grads(tp, jp)
        extra_t.grad, extra_j.grad = torch.ones(3), tjit.ones(3)
        t_opt.step()
        j_opt.step()
        assert_params_close(tp + [extra_t], jp + [extra_j], step)


def test_named_parameters_are_saved_as_param_names():
    tp, jp = params_pair()
    t_opt = torch.optim.SGD([(f"p{i}", p) for i, p in enumerate(tp)], lr=0.1)
    j_opt = tjit.optim.SGD([(f"p{i}", p) for i, p in enumerate(jp)], lr=0.1)
    assert j_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
    with pytest.raises(ValueError, match="with/without names"):
        j_opt.add_param_group({"params": [tjit.zeros(1, requires_grad=True)]})


def test_parameters_without_grad_are_left_alone():
    tp, jp = params_pair()
    opt = tjit.optim.Adam(jp, lr=0.1)
    set_grads(jp)
    jp[1].grad = None
    opt.step()
    np.testing.assert_array_equal(jp[1].detach().numpy(), INIT[1])
    assert jp[1] not in opt.state and len(opt.state) == 3


def test_zero_grad():
    tp, jp = params_pair()
    opt = tjit.optim.SGD(jp, lr=0.1)
    set_grads(jp)
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.detach().numpy().any() for p in jp)
    opt.zero_grad()
    assert all(p.grad is None for p in jp)


def test_update_is_in_place():
    """The parameter objects keep their identity, and views taken before the step see it."""
    tp, jp = params_pair()
    t_view, j_view = tp[0][1], jp[0][1]
    t_opt, j_opt = torch.optim.SGD(tp, lr=0.1), tjit.optim.SGD(jp, lr=0.1)
    ids = [id(p) for p in jp]
    set_torch_grads(tp, jp)
    t_opt.step()
    j_opt.step()
    assert [id(p) for p in jp] == ids
    np.testing.assert_allclose(j_view.detach().numpy(), t_view.detach().numpy(), rtol=1e-6)


def test_arrays_shared_with_numpy_see_the_update():
    """`.numpy()` of a parameter shares its memory (as in torch); state tensors of different
    parameters never share memory with each other."""
    tp, jp = params_pair()
    t_opt, j_opt = torch.optim.Adam(tp, lr=0.1), tjit.optim.Adam(jp, lr=0.1)
    arrays = [p.detach().numpy() for p in jp]
    for step in range(3):
        set_torch_grads(tp, jp)
        t_opt.step()
        j_opt.step()
        steps = [j_opt.state[p]["step"].numpy() for p in jp]  # pinned: later updates write into them
    for a, t in zip(arrays, tp):
        np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert [float(s) for s in steps] == [3.0] * 4


def test_step_hooks_and_closure():
    tp, jp = params_pair()
    opt = tjit.optim.SGD(jp, lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o is opt)))

    def closure():
        set_grads(jp)
        return 42.0
    assert opt.step(closure) == 42.0
    assert calls == [("pre", True), ("post", True)]
    h1.remove()
    opt.step(closure)
    assert calls[-1] == ("post", True) and len(calls) == 3


def test_state_dict_hooks_and_errors():
    tp, jp = params_pair()
    opt = tjit.optim.SGD(jp, lr=0.1, momentum=0.9)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    seen = []
    opt.register_load_state_dict_post_hook(lambda o: seen.append(o))
    sd = opt.state_dict()
    assert sd["extra"] == 1 and sd["state"] == {}
    opt.load_state_dict(sd)
    assert seen == [opt]
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    bad = {"state": {}, "param_groups": [dict(sd["param_groups"][0], params=[0])]}
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(bad)


def test_tensor_lr_and_hyper_parameters_from_nn_parameters():
    """A tensor lr works (as a number), and nn.Module parameters are optimized in place."""
    layer = tjit.nn.Linear(4, 2)
    before = layer.weight.detach().numpy().copy()
    opt = tjit.optim.SGD(layer.parameters(), lr=tjit.tensor(0.5))
    layer(tjit.ones(3, 4)).sum().backward()
    opt.step()
    np.testing.assert_allclose(layer.weight.detach().numpy(), before - 0.5 * 3.0, rtol=1e-6)


@pytest.mark.parametrize("name,kwargs,kernels", [
    ("SGD", dict(lr=0.1), 4), ("SGD", dict(lr=0.1, momentum=0.9), 4), ("Adam", dict(), 4),
    ("Adam", dict(amsgrad=True), 4), ("AdamW", dict(), 4), ("Adamax", dict(), 4), ("Adadelta", dict(), 4),
    ("Adagrad", dict(), 4), ("ASGD", dict(t0=0), 4), ("RMSprop", dict(centered=True, momentum=0.5), 4),
    ("Rprop", dict(), 4)])
def test_one_kernel_per_parameter(name, kwargs, kernels, monkeypatch):
    """A step's update is one schedule with one multi-output kernel per parameter (here 4
    parameters): the parameter and its state buffers are written in the same loop.  (The
    eager update's schedule; the compiled one replays the same kernels.)"""
    tp, jp = params_pair()
    opt = getattr(tjit.optim, name)(jp, **kwargs)
    opt.__dict__["_compiled__update_all"] = False
    for _ in range(2):
        set_grads(jp)
        opt.step()
    counted = []
    real = optimizer_module.settle

    def counting(*tensors):
        counted.append(len(tjit.debug.schedule(*tensors).kernels))
        real(*tensors)
    monkeypatch.setattr(optimizer_module, "settle", counting)
    set_grads(jp)
    opt.step()
    assert counted[-1] == kernels
