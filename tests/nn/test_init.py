"""nn.init: distribution statistics and shapes (tjit's RNG differs from torch's), exact
values for the deterministic initialisers, and torch's gains and errors."""
import math

import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
from tjit.nn import init


def values(t):
    return np.asarray(t.detach())


@pytest.fixture(autouse=True)
def seed():
    tjit.manual_seed(1234)


def test_calculate_gain_matches_torch():
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.3), ("selu", None)]:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("bogus")


def test_uniform_normal_constant_in_place_under_no_grad():
    w = jnn.Parameter(tjit.empty(300, 200))
    assert init.uniform_(w, -2.0, 3.0) is w and w.requires_grad and w.grad_fn is None
    v = values(w)
    assert v.min() >= -2 and v.max() < 3 and abs(v.mean() - 0.5) < 0.05 and abs(v.std() - 5 / math.sqrt(12)) < 0.03
    v = values(init.normal_(w, 1.0, 2.0))
    assert abs(v.mean() - 1) < 0.03 and abs(v.std() - 2) < 0.03
    assert (values(init.constant_(w, 0.25)) == 0.25).all()
    assert (values(init.ones_(w)) == 1).all() and (values(init.zeros_(w)) == 0).all()
    d = tjit.empty(1000, 100, dtype=tjit.float64)
    assert init.normal_(d).dtype is tjit.float64 and abs(values(d).std() - 1) < 0.01


def test_trunc_normal():
    v = values(init.trunc_normal_(tjit.empty(400, 300), mean=0.5, std=1.0, a=-1.0, b=1.5))
    assert v.min() >= -1 and v.max() <= 1.5
    ref = torch.nn.init.trunc_normal_(torch.empty(400, 300), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    assert abs(v.mean() - ref.mean()) < 0.02 and abs(v.std() - ref.std()) < 0.02


@pytest.mark.parametrize("shape", [(30, 40), (20, 8, 3, 3)])
def test_fan_based_initialisers(shape):
    fan_in = shape[1] * math.prod(shape[2:])
    fan_out = shape[0] * math.prod(shape[2:])
    t = tjit.empty(*shape)
    a = math.sqrt(6 / (fan_in + fan_out)) * 1.5
    v = values(init.xavier_uniform_(t, gain=1.5))
    assert np.abs(v).max() <= a and abs(v.std() - a / math.sqrt(3)) < 0.05 * a
    v = values(init.xavier_normal_(t))
    assert abs(v.std() - math.sqrt(2 / (fan_in + fan_out))) < 0.06 * math.sqrt(2 / (fan_in + fan_out))
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(fan_out)
    v = values(init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"))
    assert np.abs(v).max() <= bound and abs(v.std() - bound / math.sqrt(3)) < 0.06 * bound
    std = init.calculate_gain("leaky_relu", 0.2) / math.sqrt(fan_in)
    v = values(init.kaiming_normal_(t, a=0.2))
    assert abs(v.std() - std) < 0.06 * std and v.shape == shape
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        init.xavier_uniform_(tjit.empty(5))
    with pytest.raises(ValueError, match="Mode fan_bad not supported"):
        init.kaiming_uniform_(t, mode="fan_bad")


def test_eye_and_dirac_match_torch():
    assert values(init.eye_(tjit.empty(3, 5))).tolist() == torch.nn.init.eye_(torch.empty(3, 5)).tolist()
    for shape, groups in [((4, 2, 3), 1), ((6, 2, 3, 3), 2), ((4, 4, 1, 3, 2), 1)]:
        expect = torch.nn.init.dirac_(torch.empty(*shape), groups).numpy()
        np.testing.assert_array_equal(values(init.dirac_(tjit.empty(*shape), groups)), expect)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(tjit.empty(2, 2, 2))


def test_orthogonal():
    for shape in [(6, 4), (3, 7), (4, 2, 2)]:
        q = values(init.orthogonal_(tjit.empty(*shape), gain=2.0)).reshape(shape[0], -1)
        small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-4)


def test_sparse():
    v = values(init.sparse_(tjit.empty(10, 300), sparsity=0.3, std=0.5))
    assert ((v == 0).sum(axis=0) == 3).all()
    assert abs(v[v != 0].std() - 0.5) < 0.05


def test_deprecated_aliases_warn_and_work():
    t = tjit.empty(20, 30)
    with pytest.warns(FutureWarning, match="nn.init.xavier_uniform_"):
        init.xavier_uniform(t)
    with pytest.warns(FutureWarning):
        assert (values(init.constant(t, 2.0)) == 2).all()
    for name in ("uniform", "normal", "eye", "dirac", "xavier_normal", "kaiming_uniform", "kaiming_normal",
                 "orthogonal", "sparse"):
        assert callable(getattr(init, name)) and hasattr(torch.nn.init, name)


def test_initialised_parameters_are_computed_not_lazy():
    """An initialiser computes its value: a lazy random draw would be recomputed inside every
    kernel that reads the parameter (each forward of a model that is never trained)."""
    lin = jnn.Linear(4, 3)
    assert all(p._node.realized for p in lin.parameters())
    w = tjit.empty(5, 5)
    jnn.init.kaiming_uniform_(w)
    assert w._node.realized
