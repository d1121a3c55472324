"""Pooling against torch: values, indices and gradients, several configurations per
compile (each test compares a tuple of results realized together)."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from nn_util import check_fn, check_layer, rand

TF, JF = torch.nn.functional, jnn.functional


def x_np(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-3, 3, size=shape).astype(np.float32)


def both(calls):
    """(torch fn, tjit fn) returning the tuple of every call's results."""
    def run(lib_f):
        def fn(x):
            outs = []
            for name, args, kwargs in calls:
                r = getattr(lib_f, name)(x, *args, **kwargs)
                outs += list(r) if isinstance(r, tuple) else [r]
            return tuple(outs)
        return fn
    return run(TF), run(JF)


def test_pool_2d_configs():
    calls = [("max_pool2d", (2,), {}),
             ("max_pool2d", ((2, 3), (2, 1), (1, 1)), {"dilation": (2, 1), "ceil_mode": True, "return_indices": True}),
             ("avg_pool2d", (3, 2, 1), {}),
             ("avg_pool2d", ((3, 2), 2, (1, 1)), {"ceil_mode": True, "divisor_override": 3}),
             ("lp_pool2d", (2.0, 2), {}),
             ("adaptive_avg_pool2d", ((None, 4),), {})]
    check_fn(*both(calls), x_np(2, 3, 7, 6), rtol=1e-5, atol=1e-6, grad=False)
    with_grad = [("max_pool2d", (3, 2, 1), {"return_indices": True}),
                 ("avg_pool2d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False}),
                 ("adaptive_avg_pool2d", ((3, 4),), {}), ("adaptive_max_pool2d", ((4, 5),), {"return_indices": True})]
    check_fn(*both(with_grad), x_np(2, 3, 7, 6), rtol=1e-5, atol=1e-6)


def test_pool_1d_3d_and_unbatched():
    calls = [("max_pool1d", (3, 2, 1), {"return_indices": True}), ("avg_pool1d", (2,), {"ceil_mode": True}),
             ("adaptive_max_pool1d", (4,), {}), ("adaptive_avg_pool1d", (3,), {}),
             ("lp_pool1d", (1.5, 3, 2), {"ceil_mode": True})]
    check_fn(*both(calls), x_np(2, 3, 9), grad=False)
    calls = [("max_pool3d", (2, 1, 1), {"return_indices": True}), ("avg_pool3d", (2, 1), {}),
             ("adaptive_avg_pool3d", ((2, 3, 2),), {}), ("adaptive_max_pool3d", (2,), {"return_indices": True})]
    check_fn(*both(calls), x_np(1, 2, 4, 5, 3), grad=False)
    check_fn(*both([("max_pool2d", (2,), {"return_indices": True}), ("adaptive_avg_pool2d", (2,), {})]),
             x_np(3, 4, 5), grad=False)


def test_pool_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        JF.max_pool2d(tjit.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="pad should be smaller than or equal to half of kernel size"):
        JF.avg_pool2d(tjit.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        JF.max_pool2d(tjit.ones(1, 1, 2, 2), 3)


def test_max_unpool_and_fractional():
    x = x_np(2, 3, 6, 4)
    t_out, t_idx = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    j_out, j_idx = JF.max_pool2d(tjit.tensor(x), 2, return_indices=True)
    t_un, j_un = torch.nn.MaxUnpool2d(2), jnn.MaxUnpool2d(2)
    assert repr(j_un) == repr(t_un)
    np.testing.assert_array_equal(np.asarray(j_un(j_out, j_idx)), t_un(t_out, t_idx).numpy())
    np.testing.assert_array_equal(np.asarray(j_un(j_out, j_idx, output_size=(7, 5))),
                                  t_un(t_out, t_idx, output_size=(7, 5)).numpy())
    samples = np.random.default_rng(1).random((2, 3, 2)).astype(np.float32)
    t_frac = torch.nn.FractionalMaxPool2d(2, output_size=(4, 3), return_indices=True,
                                          _random_samples=torch.tensor(samples))
    j_frac = jnn.FractionalMaxPool2d(2, output_size=(4, 3), return_indices=True,
                                     _random_samples=tjit.tensor(samples))
    for t, j in zip(t_frac(torch.tensor(x)), j_frac(tjit.tensor(x))):
        np.testing.assert_array_equal(np.asarray(j), t.numpy())
    tjit.manual_seed(0)
    out = jnn.FractionalMaxPool2d(3, output_ratio=0.5)(tjit.tensor(x))
    assert out.shape == (2, 3, 3, 2)


@pytest.mark.parametrize("name,args", [("MaxPool2d", (3, 2, 1)), ("AvgPool2d", (2,)), ("AvgPool1d", (3, 1, 1)),
                                       ("AdaptiveAvgPool2d", ((2, None),)), ("AdaptiveMaxPool1d", (2,)),
                                       ("LPPool2d", (2, 3)), ("MaxPool3d", (2,)), ("AvgPool3d", (2, 1, 1))])
def test_pool_module_reprs(name, args):
    assert repr(getattr(jnn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_pool_module_forward():
    t, j = torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True), jnn.MaxPool2d(3, 2, 1, ceil_mode=True)
    check_layer(t, j, rand(2, 2, 5, 6, seed=3), grad=False)
