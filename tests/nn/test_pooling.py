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
    check_fn(*both(calls), x_np(1, 2, 4, 5, 3))
    check_fn(*both([("max_pool2d", (2,), {"return_indices": True}), ("adaptive_avg_pool2d", (2,), {})]),
             x_np(3, 4, 5), grad=False)


def test_pool_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        JF.max_pool2d(tjit.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        JF.avg_pool2d(tjit.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        JF.max_pool2d(tjit.ones(1, 1, 2, 2), 3)


def test_max_unpool():
    x = x_np(2, 3, 6, 4)
    t_out, t_idx = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    j_out, j_idx = JF.max_pool2d(tjit.tensor(x), 2, return_indices=True)
    t_un, j_un = torch.nn.MaxUnpool2d(2), jnn.MaxUnpool2d(2)
    assert repr(j_un) == repr(t_un)
    np.testing.assert_array_equal(np.asarray(j_un(j_out, j_idx)), t_un(t_out, t_idx).numpy())
    np.testing.assert_array_equal(np.asarray(j_un(j_out, j_idx, output_size=(7, 5))),
                                  t_un(t_out, t_idx, output_size=(7, 5)).numpy())


def samples(*shape):
    return np.random.default_rng(1).random(shape).astype(np.float32)


def fractional(n, configs):
    """(torch fn, tjit fn) returning (values, indices) of every (kernel, kwargs, samples)
    configuration; the samples are given to both, as their generators differ."""
    def run(lib, F):
        def fn(x):
            outs = []
            for kernel, kwargs, smp in configs:
                outs += getattr(F, f"fractional_max_pool{n}d")(x, kernel, return_indices=True,
                                                               _random_samples=lib.tensor(smp), **kwargs)
            return tuple(outs)
        return fn
    return run(torch, TF), run(tjit, JF)


def test_fractional_max_pool_2d():
    # more sample rows than the batch: torch uses the first ones
    configs = [((3, 2), {"output_size": (4, 3)}, samples(3, 3, 2)),
               (2, {"output_ratio": (0.5, 0.5)}, samples(2, 3, 2))]
    check_fn(*fractional(2, configs), x_np(2, 3, 7, 6), rtol=1e-5, atol=1e-6)
    check_fn(*fractional(2, configs[:1]), x_np(3, 7, 6), rtol=1e-5, atol=1e-6)


def test_fractional_max_pool_3d():
    configs = [((2, 3, 1), {"output_size": (3, 3, 5)}, samples(2, 2, 3))]
    check_fn(*fractional(3, configs), x_np(2, 2, 5, 6, 7), rtol=1e-5, atol=1e-6)
    t = torch.nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.6, 0.4), return_indices=True,
                                     _random_samples=torch.tensor(samples(1, 2, 3)))
    j = jnn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.6, 0.4), return_indices=True,
                                _random_samples=tjit.tensor(samples(1, 2, 3)))
    assert repr(j) == repr(t)
    check_layer(t, j, rand(2, 5, 6, 7, seed=2), rtol=1e-5, atol=1e-6)


def test_max_pools_nan_and_random_samples():
    """A window with NaNs gives torch's index, the last NaN (every NaN replaces the running
    maximum in torch's scan); without samples the windows are random but of torch's shape."""
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = x[0, 0, 3, 2] = np.nan
    check_fn(*fractional(2, [(2, {"output_size": (3, 3)}, samples(1, 1, 2))]), x, grad=False)
    check_fn(*both([("max_pool2d", (2,), {"return_indices": True}),
                    ("adaptive_max_pool2d", (1,), {"return_indices": True})]), x, grad=False)
    tjit.manual_seed(0)
    x = x_np(2, 3, 6, 4)
    out, idx = jnn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)(tjit.tensor(x))
    assert out.shape == idx.shape == (2, 3, 3, 2)
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), np.asarray(idx).reshape(2, 3, -1), 2),
                                  np.asarray(out).reshape(2, 3, -1))


@pytest.mark.parametrize("n,shape,kernel,out,smp,match", [
    (2, (2, 3, 7, 6), 2, (7, 5), (2, 3, 2), "fractional_max_pool2d\\(\\): pool height 2 too large relative to input "
                                             "height 7"),
    (2, (2, 3, 7, 6), 2, (6, 6), (2, 3, 2), "pool width 2 too large relative to input width 6"),
    (3, (1, 2, 5, 6, 7), 2, (3, 4, 6), (1, 2, 3), "fractional_max_pool3d_out\\(\\): pool width 2 too large"),
    (3, (1, 2, 5, 6, 7), 1, (5, 4, 6), (1, 2, 3), "pool time 1 too large relative to input time 5"),
    (2, (2, 3, 7, 6), 2, (3, 3), (2, 3), "Expect _random_samples to have 3 dimensions, got 2"),
    (2, (2, 3, 7, 6), 2, (3, 3), (1, 3, 2), "Expect _random_samples.size\\(0\\) no less then input batch size"),
    (2, (2, 3, 7, 6), 2, (3, 3), (2, 2, 2), "Expect _random_samples.size\\(1\\) equals to input channel size"),
    (3, (2, 3, 5, 6, 7), 2, (3, 3, 3), (2, 3, 2), "Expect _random_samples.size\\(2\\) equals to 3; got 2"),
    (2, (1, 1, 2, 3, 7, 6), 2, (3, 3), (1, 1, 2), "fractional_max_pool2d\\(\\): Expected 3D or 4D tensor"),
])
def test_fractional_max_pool_errors(n, shape, kernel, out, smp, match):
    for lib, F in ((torch, TF), (tjit, JF)):
        with pytest.raises(RuntimeError, match=match):
            getattr(F, f"fractional_max_pool{n}d")(lib.ones(*shape), kernel, out, _random_samples=lib.rand(*smp))


def test_fractional_max_pool_samples_dtype():
    for lib, F in ((torch, TF), (tjit, JF)):
        with pytest.raises(RuntimeError, match="Expect _random_samples to have the same dtype as input"):
            F.fractional_max_pool2d(lib.ones(2, 3, 7, 6), 2, (3, 3), _random_samples=lib.rand(2, 3, 2).double())


@pytest.mark.parametrize("name,args", [("MaxPool2d", (3, 2, 1)), ("AvgPool2d", (2,)), ("AvgPool1d", (3, 1, 1)),
                                       ("AdaptiveAvgPool2d", ((2, None),)), ("AdaptiveMaxPool1d", (2,)),
                                       ("LPPool2d", (2, 3)), ("MaxPool3d", (2,)), ("AvgPool3d", (2, 1, 1))])
def test_pool_module_reprs(name, args):
    assert repr(getattr(jnn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_pool_module_forward():
    t, j = torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True), jnn.MaxPool2d(3, 2, 1, ceil_mode=True)
    check_layer(t, j, rand(2, 2, 5, 6, seed=3), grad=False)
