"""Convolutions, unfold/fold and padding against torch (outputs and gradients), plus the
kernel count of a small CNN."""
import numpy as np
import pytest
import torch

import tjit
import tjit.nn as jnn
import tjit.nn.functional as JF
from helpers import check_op, make
from nn_util import check_fn, check_layer, copy_state, pair, rand

# (dims, constructor arguments, compare gradients too): gradients for a representative few,
# since every configuration compiles its own forward and backward kernels
CONV_CASES = [
    (1, {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, True),
    (1, {"padding": "same", "padding_mode": "circular", "bias": False}, False),
    (2, {}, True),
    (2, {"stride": (2, 1), "padding": (1, 2), "groups": 2, "bias": False}, False),
    (2, {"padding": "same", "dilation": (2, 1), "padding_mode": "reflect"}, True),
    (2, {"padding": 1, "padding_mode": "replicate", "stride": 2}, False),
    (3, {"padding": 1, "stride": (1, 2, 1)}, False),
]


def _spatial(n):
    return {1: (9,), 2: (7, 6), 3: (4, 5, 4)}[n]


@pytest.mark.parametrize("n,kw,grad", CONV_CASES, ids=lambda v: str(v))
def test_conv(n, kw, grad):
    t, j = pair(getattr(torch.nn, f"Conv{n}d"), getattr(jnn, f"Conv{n}d"), 4, 6, 3, **kw)
    assert repr(j) == repr(t)
    check_layer(t, j, rand(2, 4, *_spatial(n), seed=n), rtol=1e-4, atol=1e-5, grad=grad)


def test_conv_unbatched_and_errors():
    t, j = pair(torch.nn.Conv2d, jnn.Conv2d, 2, 3, 2)
    check_layer(t, j, rand(2, 4, 5, seed=3), rtol=1e-4, atol=1e-5, grad=False)
    check_op("nn.functional.conv2d", None, make((1, 3, 5, 5)), make((4, 2, 3, 3)), match="expected input")
    check_op("nn.functional.conv2d", None, make((1, 2, 2, 2)), make((4, 2, 3, 3)),
             match="Kernel size can't be greater than actual input size")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        jnn.Conv2d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        jnn.Conv1d(3, 2, 1, groups=2)


CONV_T_CASES = [
    (1, {"stride": 2, "padding": 1, "output_padding": 1, "bias": False}, False),
    (2, {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2), "groups": 2, "dilation": (1, 2)}, True),
]


@pytest.mark.parametrize("n,kw,grad", CONV_T_CASES, ids=lambda v: str(v))
def test_conv_transpose(n, kw, grad):
    t, j = pair(getattr(torch.nn, f"ConvTranspose{n}d"), getattr(jnn, f"ConvTranspose{n}d"), 4, 6, 3, **kw)
    assert repr(j) == repr(t)
    check_layer(t, j, rand(2, 4, *[s // 2 + 1 for s in _spatial(n)], seed=n), rtol=1e-4, atol=1e-5, grad=grad)


def test_conv_transpose_output_size():
    t, j = pair(torch.nn.ConvTranspose2d, jnn.ConvTranspose2d, 2, 3, 3, stride=2, padding=1)
    x_t, x_j = rand(1, 2, 3, 4, seed=5)
    out_t, out_j = t(x_t, output_size=(6, 8)), j(x_j, output_size=(6, 8))
    np.testing.assert_allclose(np.asarray(out_j), out_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="requested an output size of"):
        j(x_j, output_size=(9, 9))


def test_unfold_fold():
    kw = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    check_fn(lambda x: torch.nn.functional.unfold(x, **kw), lambda x: JF.unfold(x, **kw), make((2, 3, 6, 5)).values)
    check_fn(lambda x: torch.nn.functional.fold(x, (6, 5), **kw), lambda x: JF.fold(x, (6, 5), **kw),
             make((2, 18, 12)).values)
    t, j = torch.nn.Fold((4, 5), 2), jnn.Fold((4, 5), 2)
    assert repr(j) == repr(t) and repr(jnn.Unfold(2)) == repr(torch.nn.Unfold(2))


@pytest.mark.parametrize("mode,pad,shape", [
    ("constant", (-1, 2, 0, 1), (2, 3, 4)), ("reflect", (1, 2, 2, 0), (1, 2, 3, 4)),
    ("replicate", (1, 0, 1, 1, 2, 0), (1, 1, 2, 3, 2)), ("circular", (1, 2, 2, 1), (1, 2, 3, 4)),
    ("circular", (-1, 2), (2, 2, 4))])
def test_pad_modes(mode, pad, shape):
    kwargs = {"mode": mode} if mode != "constant" else {"value": 2.5}
    check_fn(lambda x: torch.nn.functional.pad(x, pad, **kwargs), lambda x: JF.pad(x, pad, **kwargs),
             make(shape).values)


def test_padding_modules():
    x = rand(1, 2, 3, 4, seed=6)
    for name, arg in [("ConstantPad2d", (1, 0.5)), ("ZeroPad2d", ((1, 2, 0, 1),)), ("ReflectionPad2d", (2,)),
                      ("ReplicationPad2d", ((1, 0, 2, 1),)), ("CircularPad2d", (1,))]:
        t, j = getattr(torch.nn, name)(*arg), getattr(jnn, name)(*arg)
        assert repr(j) == repr(t)
        check_layer(t, j, x, grad=False)


def test_small_cnn_kernel_counts(monkeypatch):
    """Two convs, a pool and two linears.  Forward: one kernel per conv and linear plus the
    pool, every bias and ReLU fused into a neighbour (the next GEMM's operand or the pool).
    Forward + cross-entropy + all parameter gradients in one schedule: 29 kernels today (a
    conv input gradient read by two kernels is written once: it sums 9 shifted windows).
    The pending-graph budget is lifted so that the counts measure fusion alone."""

    def net(nn):
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 8, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 3 * 3, 16), nn.ReLU(), nn.Linear(16, 10))

    t, j = net(torch.nn), net(jnn)
    copy_state(t, j)
    x_t, x_j = rand(2, 1, 8, 8, seed=7)
    out = j(x_j)
    assert len(tjit.debug.schedule(out).kernels) <= 5, str(tjit.debug.schedule(out))
    target = np.array([1, 3])
    loss = JF.cross_entropy(out, tjit.tensor(target))
    loss.backward()
    grads = [p.grad for p in j.parameters()]
    sched = tjit.debug.schedule(loss, *grads)
    assert len(sched.kernels) <= 29, str(sched)
    t_loss = torch.nn.functional.cross_entropy(t(x_t), torch.tensor(target))
    t_loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-5)
    for p_t, g in zip(t.parameters(), grads):
        np.testing.assert_allclose(np.asarray(g), p_t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_conv_input_gradient_is_plain_kernels():
    """The gradient through overlapping windows is one shifted copy per kernel offset (an
    elementwise kernel), never a reduction over tiled reshapes (div/mod-chained indices)."""
    import tjit.nn.functional as F
    x = tjit.from_numpy(np.random.rand(2, 4, 10, 10).astype(np.float32)).requires_grad_()
    w = tjit.from_numpy(np.random.rand(8, 4, 3, 3).astype(np.float32))
    gx, = tjit.autograd.grad(F.conv2d(x, w, padding=1).square().sum(), [x])
    kinds = [item.kernel.kind for item in tjit.debug.schedule(gx).items]
    assert "reduce" not in kinds and len(kinds) <= 3, kinds



def test_conv_transpose_multiplies_no_inserted_zeros():
    """A stride-2 transposed conv does the multiply-adds of its input only (one GEMM of the
    input with the whole kernel, then a fold), not stride^2 times more on a zero-spread input."""
    from tjit.ir.graph import toposort
    from tjit.ir.ops import Op
    x = tjit.from_numpy(np.random.rand(1, 4, 5, 5).astype(np.float32))
    w = tjit.from_numpy(np.random.rand(4, 6, 3, 3).astype(np.float32))
    y = JF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    macs = sum(n.numel * n.src[0].shape[-1] for n in toposort([y._node]) if n.op is Op.CONTRACT)
    assert macs == 4 * 6 * 9 * 25
    ref = torch.nn.functional.conv_transpose2d(torch.from_numpy(x.numpy()), torch.from_numpy(w.numpy()), stride=2,
                                               padding=1, output_padding=1)
    np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)
