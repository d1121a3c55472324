"""Fusion claims, checked through tjit.debug.schedule (nothing runs)."""
import numpy as np

import tjit


def data(*shape):
    return tjit.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32))


def test_elementwise_chain_is_one_kernel():
    x = data(64, 64)
    y = (x * 2 + 1).exp().sin() * x + x.tanh()
    s = tjit.debug.schedule(y)
    assert len(s.kernels) == 1
    k = s.kernels[0]
    assert k.kernel.kind == "elementwise"
    assert k.reason == "realized by the user"
    assert "exp" in k.name and "sin" in k.name and "tanh" in k.name


def test_row_softmax_is_at_most_two_kernels():
    x = data(32, 100)
    e = (x - x.amax(1, keepdim=True)).exp()
    y = e / e.sum(1, keepdim=True)
    s = tjit.debug.schedule(y)
    assert len(s.kernels) <= 2
    np.testing.assert_allclose(y.numpy().sum(1), 1.0, rtol=1e-5)


def test_reduction_fuses_with_its_inputs_and_consumers():
    x = data(16, 50)
    y = ((x * x).sum(1) + 1).sqrt()
    s = tjit.debug.schedule(y)
    assert len(s.kernels) == 1 and s.kernels[0].kernel.kind == "reduce"


def test_layernorm_like_is_one_kernel():
    x = data(8, 128)
    mu = x.mean(-1, keepdim=True)
    d = x - mu
    y = d / ((d * d).mean(-1, keepdim=True) + 1e-5).sqrt()
    assert len(tjit.debug.schedule(y).kernels) == 1


def test_boundaries_carry_reasons():
    x = data(8, 8)
    s = x.sum(1).sum(0)  # merged or split, the reason must be printed
    text = str(tjit.debug.schedule(s * 2, x.sort(1).values))
    assert "because" in text and "realized by the user" in text
    assert "extern" in text


def test_schedule_is_printable_and_does_not_run():
    x = data(4, 4)
    y = x + 1
    s = tjit.debug.schedule(y)
    assert "kernel" in str(s.kernels[0].kernel) and y._node.buffer is None


def test_optimizer_style_updates_become_one_multi_output_kernel():
    """Adam-like: the new moment, velocity and parameter share one loop; the parameter's
    update uses the new moments computed in that loop, not reloaded from memory."""
    rng = np.random.default_rng(0)
    p, g = (tjit.tensor(rng.random(1000).astype(np.float32)) for _ in range(2))
    m, v = tjit.zeros(1000), tjit.zeros(1000)
    m2 = m * 0.9 + g * 0.1
    v2 = v * 0.999 + g * g * 0.001
    p2 = p - 0.01 * m2 / (v2.sqrt() + 1e-8)
    s = tjit.debug.schedule(p2, m2, v2)
    assert len(s.kernels) == 1 and len(s.kernels[0].more_outputs) == 2
    assert "multi-output" in str(s)
    tjit.realize(p2, m2, v2)
    gn, pn = g.numpy(), p.numpy()
    np.testing.assert_allclose(m2.numpy(), gn * 0.1, rtol=1e-6)
    np.testing.assert_allclose(v2.numpy(), gn * gn * 0.001, rtol=1e-6)
    np.testing.assert_allclose(p2.numpy(), pn - 0.01 * (gn * 0.1) / (np.sqrt(gn * gn * 0.001) + 1e-8), rtol=1e-5)


def test_unrelated_kernels_are_not_merged():
    a, b = data(8, 8), data(8, 8)
    s = tjit.debug.schedule(a + 1, b * 2)
    assert len(s.kernels) == 2


def test_cat_of_many_pieces_writes_each_in_place():
    """A join of many pieces is one kernel per piece storing at its offset (a select chain
    would evaluate every piece at every position); few pieces fuse as selects."""
    xs = [tjit.from_numpy(np.full((2, 3), float(i), np.float32)) for i in range(8)]
    y = tjit.cat([x * 2 for x in xs], 0)
    items = tjit.debug.schedule(y).items
    assert len(items) == 8 and all(it.output is y._node for it in items)
    assert [it.piece for it in items] == list(range(8))
    np.testing.assert_array_equal(y.numpy(), np.repeat(np.arange(8, dtype=np.float32) * 2, 2)[:, None] * np.ones(3))
    assert len(tjit.debug.schedule(tjit.cat(xs[:2], 0) + 1).items) == 1
