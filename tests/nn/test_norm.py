"""Normalization layers against torch: outputs, gradients, running statistics, modes and
state_dict compatibility."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from nn_util import check_layer, copy_state, pair, rand


def assert_close(j, t, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(j.detach()), t.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("cls,shape,kw", [
    ("BatchNorm1d", (4, 3), {}), ("BatchNorm1d", (4, 3, 5), {"momentum": None}),
    ("BatchNorm2d", (2, 3, 4, 2), {"affine": False}), ("BatchNorm3d", (2, 3, 2, 2, 2), {"momentum": 0.3}),
])
def test_batch_norm_train_then_eval(cls, shape, kw):
    t, j = pair(getattr(torch.nn, cls), getattr(jnn, cls), 3, **kw)
    assert repr(j) == repr(t) and list(j.state_dict()) == list(t.state_dict())
    check_layer(t, j, rand(*shape, seed=1), rtol=1e-4, atol=1e-5)
    check_layer(t, j, rand(*shape, seed=2), rtol=1e-4, atol=1e-5, grad=False)  # second step: stats chain
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert_close(getattr(j, name), getattr(t, name))
    t.eval(), j.eval()
    check_layer(t, j, rand(*shape, seed=3), rtol=1e-4, atol=1e-5, grad=False)


def test_batch_norm_without_running_stats_and_errors():
    t, j = pair(torch.nn.BatchNorm1d, jnn.BatchNorm1d, 3, track_running_stats=False)
    assert j.running_mean is None and list(j.state_dict()) == ["weight", "bias"]
    t.eval(), j.eval()
    check_layer(t, j, rand(4, 3, seed=4), grad=False)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        jnn.BatchNorm1d(3)(tjit.ones(1, 3))
    with pytest.raises(ValueError, match="expected 4D input"):
        jnn.BatchNorm2d(3)(tjit.ones(2, 3))


def test_batch_norm_old_checkpoint_without_num_batches_tracked():
    bn = jnn.BatchNorm1d(2)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    sd = type(bn.state_dict())(sd)
    sd._metadata = {"": {"version": 1}}
    assert repr(bn.load_state_dict(sd)) == "<All keys matched successfully>"


@pytest.mark.parametrize("cls,shape,kw", [
    ("InstanceNorm1d", (2, 3, 5), {}), ("InstanceNorm1d", (3, 5), {"affine": True}),
    ("InstanceNorm2d", (2, 3, 2, 3), {"track_running_stats": True}), ("InstanceNorm3d", (1, 3, 2, 2, 3), {}),
])
def test_instance_norm(cls, shape, kw):
    t, j = pair(getattr(torch.nn, cls), getattr(jnn, cls), 3, **kw)
    assert repr(j) == repr(t)
    check_layer(t, j, rand(*shape, seed=5), rtol=1e-4, atol=1e-5, grad=kw.get("affine", False))
    if kw.get("track_running_stats"):
        assert_close(j.running_var, t.running_var)
        t.eval(), j.eval()
        check_layer(t, j, rand(*shape, seed=6), rtol=1e-4, atol=1e-5, grad=False)


def test_layer_group_rms_local_response_norm():
    cases = [(torch.nn.LayerNorm, jnn.LayerNorm, ((3, 4),), {}, (2, 3, 4)),
             (torch.nn.LayerNorm, jnn.LayerNorm, (4,), {"elementwise_affine": False}, (2, 3, 4)),
             (torch.nn.LayerNorm, jnn.LayerNorm, (4,), {"bias": False}, (2, 3, 4)),
             (torch.nn.GroupNorm, jnn.GroupNorm, (2, 4), {}, (2, 4, 3)),
             (torch.nn.RMSNorm, jnn.RMSNorm, ((4,),), {"eps": 1e-5}, (2, 3, 4)),
             (torch.nn.LocalResponseNorm, jnn.LocalResponseNorm, (3,), {}, (2, 4, 3, 2))]
    for t_cls, j_cls, args, kw, shape in cases:
        t, j = t_cls(*args, **kw), j_cls(*args, **kw)
        assert repr(j) == repr(t)
        copy_state(t, j)
        check_layer(t, j, rand(*shape, seed=7), rtol=1e-4, atol=1e-5, grad=t_cls is torch.nn.GroupNorm)
