"""Linear-type layers, activations, dropout and embeddings against torch: the torch layer's
state is loaded into the tjit layer, outputs (and gradients, once tjit has autograd) must
agree."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
import tjit.nn.functional as JF
from nn_util import check_fn, check_layer, copy_state, pair, rand

ACTIVATIONS = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("ELU", (0.7,), {}), ("SELU", (), {}), ("CELU", (1.3,), {}),
    ("LeakyReLU", (0.2,), {}), ("PReLU", (), {}), ("PReLU", (4,), {"init": 0.1}), ("RReLU", (), {}),
    ("Threshold", (0.1, 20.0), {}), ("Hardtanh", (-0.5, 0.7), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("LogSigmoid", (), {}), ("Softplus", (), {"beta": 2.0, "threshold": 3.0}), ("Softshrink", (0.3,), {}),
    ("Hardshrink", (0.3,), {}), ("Softsign", (), {}), ("Tanhshrink", (), {}), ("Softmin", (1,), {}),
    ("Softmax", (1,), {}), ("Softmax", (-1,), {}), ("LogSoftmax", (1,), {}), ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("Mish", (), {}), ("Hardswish", (), {}),
    ("Hardsigmoid", (), {}), ("GLU", (1,), {}), ("Softmax2d", (), {}),
]


def _modules(lib_nn, start, stop):
    mods = [getattr(lib_nn, name)(*args, **kwargs) for name, args, kwargs in ACTIVATIONS[start:stop]]
    return [m.eval() for m in mods]


@pytest.mark.parametrize("start,stop", [(0, 11), (11, 21), (21, len(ACTIVATIONS))])
def test_activations(start, stop):
    """A batch of activations per compile: each module's output, and the gradient of their
    weighted sum (the PReLU weights included)."""
    t_mods, j_mods = _modules(torch.nn, start, stop), _modules(jnn, start, stop)
    for t, j in zip(t_mods, j_mods):
        assert repr(j) == repr(t)
        copy_state(t, j)
    t_all, j_all = torch.nn.ModuleList(t_mods), jnn.ModuleList(j_mods)
    t_all.forward = lambda x: tuple(m(x) for m in t_all)
    j_all.forward = lambda x: tuple(m(x) for m in j_all)
    check_layer(t_all, j_all, rand(2, 4, 3, 2, seed=1, low=-4, high=4), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["ReLU", "ELU", "LeakyReLU", "Hardtanh", "ReLU6", "SiLU", "Hardswish", "SELU"])
def test_inplace_activation_writes_input(name):
    t_x, j_x = rand(3, 4, seed=2)
    t_m, j_m = getattr(torch.nn, name)(inplace=True), getattr(jnn, name)(inplace=True)
    assert repr(j_m) == repr(t_m)
    out = j_m(j_x)
    t_m(t_x)
    assert out is j_x
    np.testing.assert_allclose(np.asarray(j_x), t_x.numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_implicit_dim_warns_and_matches():
    t_x, j_x = rand(2, 3, seed=3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = JF.softmax(j_x)
    np.testing.assert_allclose(np.asarray(out), torch.nn.functional.softmax(t_x, 1).numpy(), rtol=1e-5)
    out = JF.log_softmax(j_x, 0, dtype=tjit.float64)
    assert out.dtype is tjit.float64


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    t, j = pair(torch.nn.Linear, jnn.Linear, 5, 3, bias=bias)
    assert repr(j) == repr(t)
    check_layer(t, j, rand(2, 4, 5, seed=4))


def test_linear_init_distribution():
    tjit.manual_seed(0)
    lin = jnn.Linear(400, 300)
    w = np.asarray(lin.weight.detach())
    bound = 1 / np.sqrt(400)
    assert w.shape == (300, 400) and np.abs(w).max() <= bound
    assert abs(w.mean()) < 0.01 * bound and abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound
    b = np.asarray(lin.bias.detach())
    assert np.abs(b).max() <= bound and b.std() > 0.4 * bound
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        lin(tjit.ones(2, 3))


def test_bilinear_identity_flatten():
    t, j = pair(torch.nn.Bilinear, jnn.Bilinear, 3, 4, 2)
    assert repr(j) == repr(t)
    check_layer(t, j, rand(5, 3, seed=5), rand(5, 4, seed=6))
    t, j = torch.nn.Flatten(), jnn.Flatten()
    assert repr(j) == repr(t)
    check_layer(t, j, rand(2, 3, 4, seed=7))
    t, j = torch.nn.Unflatten(1, (2, 2)), jnn.Unflatten(1, (2, 2))
    assert repr(j) == repr(t)
    check_layer(t, j, rand(3, 4, seed=8))
    x = tjit.ones(2)
    assert jnn.Identity(3, foo=1)(x) is x


def test_dropout_statistics_and_eval():
    tjit.manual_seed(1)
    x = tjit.ones(200, 100)
    drop = jnn.Dropout(0.3)
    assert repr(drop) == repr(torch.nn.Dropout(0.3))
    out = np.asarray(drop(x))
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    drop.eval()
    assert drop(x) is x
    assert np.asarray(jnn.Dropout(1.0)(x)).max() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        jnn.Dropout(1.5)


@pytest.mark.parametrize("cls,shape", [("Dropout1d", (50, 40, 3)), ("Dropout2d", (50, 40, 2, 2)),
                                       ("Dropout3d", (50, 40, 2, 1, 2))])
def test_feature_dropout_drops_whole_channels(cls, shape):
    tjit.manual_seed(2)
    out = np.asarray(getattr(jnn, cls)(0.5)(tjit.ones(*shape)))
    per_channel = out.reshape(shape[0], shape[1], -1)
    assert (per_channel == per_channel[..., :1]).all()
    assert abs((per_channel[..., 0] != 0).mean() - 0.5) < 0.05


def test_alpha_dropout_keeps_selu_statistics():
    tjit.manual_seed(3)
    x = tjit.randn(400, 250)
    out = np.asarray(jnn.AlphaDropout(0.2)(x))
    assert abs(out.mean()) < 0.03 and abs(out.std() - 1) < 0.03
    assert jnn.AlphaDropout(0.2).eval()(x) is x


def test_embedding():
    t, j = pair(torch.nn.Embedding, jnn.Embedding, 10, 3, padding_idx=-2)
    assert repr(j) == repr(t)
    idx = np.array([[1, 8, 3], [8, 0, 9]])
    check_layer(t, j, (torch.tensor(idx), tjit.tensor(idx)))
    tjit.manual_seed(4)
    fresh = jnn.Embedding(1000, 8, padding_idx=2)
    w = np.asarray(fresh.weight.detach())
    assert (w[2] == 0).all() and abs(w.std() - 1) < 0.05
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        j(tjit.ones(2))
    with pytest.raises(IndexError):
        j(tjit.tensor([10]))


def test_embedding_scale_grad_by_freq():
    t, j = pair(torch.nn.Embedding, jnn.Embedding, 6, 2, scale_grad_by_freq=True, padding_idx=0)
    idx = np.array([[1, 1, 3], [0, 1, 5]])
    check_layer(t, j, (torch.tensor(idx), tjit.tensor(idx)))


def test_embedding_max_norm_and_from_pretrained():
    w = np.random.default_rng(0).uniform(-3, 3, (6, 4)).astype(np.float32)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), max_norm=1.5, norm_type=1.0)
    j = jnn.Embedding.from_pretrained(tjit.tensor(w), max_norm=1.5, norm_type=1.0)
    assert repr(j) == repr(t) and not j.weight.requires_grad
    idx = np.array([0, 2, 2, 5])
    np.testing.assert_allclose(np.asarray(j(tjit.tensor(idx))), t(torch.tensor(idx)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(j.weight.detach()), t.weight.numpy(), rtol=1e-5)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    t, j = pair(torch.nn.EmbeddingBag, jnn.EmbeddingBag, 7, 3, mode=mode)
    assert repr(j) == repr(t)
    flat, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 6]), np.array([0, 3, 3, 5])
    check_layer(t, j, (torch.tensor(flat), tjit.tensor(flat)), (torch.tensor(offsets), tjit.tensor(offsets)),
                grad=False)
    bags = np.array([[1, 2], [4, 4]])
    check_layer(t, j, (torch.tensor(bags), tjit.tensor(bags)), grad=False)


def test_one_hot_and_distances():
    idx = np.array([[0, 3], [2, 1]])
    out = JF.one_hot(tjit.tensor(idx))
    assert out.dtype is tjit.int64 and out.tolist() == torch.nn.functional.one_hot(torch.tensor(idx)).tolist()
    assert JF.one_hot(tjit.tensor(idx), 6).shape == (2, 2, 6)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        JF.one_hot(tjit.tensor(idx), 3)
    a, b = rand(4, 5, seed=9), rand(4, 5, seed=10)
    for t_mod, j_mod in [(torch.nn.PairwiseDistance(), jnn.PairwiseDistance()),
                         (torch.nn.PairwiseDistance(p=1.0, keepdim=True), jnn.PairwiseDistance(p=1.0, keepdim=True)),
                         (torch.nn.CosineSimilarity(), jnn.CosineSimilarity()),
                         (torch.nn.CosineSimilarity(dim=0), jnn.CosineSimilarity(dim=0))]:
        check_layer(t_mod, j_mod, a, b)
    x_t, x_j = a[0].detach(), a[1]
    np.testing.assert_allclose(np.asarray(JF.normalize(x_j, dim=0)),
                               torch.nn.functional.normalize(x_t, dim=0).numpy(), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(JF.pdist(x_j)), torch.nn.functional.pdist(x_t).numpy(), rtol=1e-5)


def test_scaled_dot_product_attention():
    q, k, v = (np.random.default_rng(i).normal(size=(2, 4, 3, 5)).astype(np.float32) for i in range(3))
    mask = np.random.default_rng(3).random((3, 3)) < 0.7
    mask[:, 0] = True

    def run(lib, lib_f):
        return lambda a, b, c: (lib_f.scaled_dot_product_attention(a, b, c),
                                lib_f.scaled_dot_product_attention(a, b, c, is_causal=True, scale=0.3),
                                lib_f.scaled_dot_product_attention(a, b, c, attn_mask=lib.tensor(mask)))
    check_fn(run(torch, torch.nn.functional), run(tjit, JF), q, k, v, rtol=1e-5, atol=1e-5)
