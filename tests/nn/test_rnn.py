"""Recurrent layers, their cells, packed sequences and nn.utils against torch."""
import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as TR

import tjit
import tjit.nn as jnn
import tjit.nn.utils.rnn as JR
from nn_util import _compare, check_layer, copy_state, pair, rand


def seq(*shape, seed=0):
    return rand(*shape, seed=seed, low=-1, high=1)


def check_recurrent(t, j, x, *state, lens=None):
    """Run both modules on x (packed with `lens`, unsorted, when given) and the initial state;
    compare every output (output, h_n, c_n) and the gradients of a random weighting of them
    with respect to every parameter, the input and the initial state."""
    leaves = [x, *state]
    for a, b in leaves:
        a.requires_grad_(True)
        b.requires_grad_(True)

    def run(mod, R, k):
        inp, hs = leaves[0][k], [s[k] for s in leaves[1:]]
        if lens is not None:
            inp = R.pack_padded_sequence(inp, lens, batch_first=getattr(mod, "batch_first", False),
                                         enforce_sorted=False)
        out = mod(inp, (tuple(hs) if len(hs) == 2 else hs[0]) if hs else None)
        out, h = out if isinstance(mod, (torch.nn.RNNBase, jnn.RNNBase)) else (out, ())
        if lens is not None:
            assert isinstance(out, R.PackedSequence)
            out = out.data
        return (out,) + (h if isinstance(h, tuple) else (h,))
    t_out, j_out = run(t, TR, 0), run(j, JR, 1)
    j_params = dict(j.named_parameters())
    named = [(f"parameter {n}", p, j_params[n]) for n, p in t.named_parameters()]
    named += [(f"input {i}", a, b) for i, (a, b) in enumerate(leaves)]
    _compare(t_out, j_out, named, rtol=1e-5, atol=1e-6)


# (class, arguments, initial state given): every time step of every layer and direction is
# a few kernels, forward and backward, so the configurations share one size (input 3,
# hidden 4, batch 2, 2 steps) and each covers several options (the packed test below has a
# bidirectional LSTM)
@pytest.mark.parametrize("cls,kw,state", [
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True, "bias": False}, True),
    ("LSTM", {"batch_first": True, "proj_size": 2}, True),
    ("GRU", {}, False),
])
def test_recurrent_layers(cls, kw, state):
    t, j = pair(getattr(torch.nn, cls), getattr(jnn, cls), 3, 4, **kw)
    assert repr(j) == repr(t) and list(j.state_dict()) == list(t.state_dict())
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    h0 = [seq(layers, 2, kw.get("proj_size") or 4, seed=1)] if state else []
    c0 = [seq(layers, 2, 4, seed=2)] if state and cls == "LSTM" else []
    check_recurrent(t, j, seq(2, 2, 3), *h0, *c0)


def test_unbatched_input_and_errors():
    t, j = pair(torch.nn.RNN, jnn.RNN, 3, 4)
    check_layer(t, j, seq(2, 3), rand(1, 4, seed=2), rtol=1e-5, atol=1e-6, grad=False)
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        j(tjit.ones(3, 2, 3), tjit.ones(2, 2, 4))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        j(tjit.ones(3, 2, 5))


# sequences of lengths 1 and 2 given unsorted: the state is permuted in and out, and the
# reverse direction reads each sequence backwards within its own length
def test_packed_sequence_input():
    t, j = pair(torch.nn.LSTM, jnn.LSTM, 3, 4, bidirectional=True, bias=False)
    check_recurrent(t, j, seq(2, 2, 3), seq(2, 2, 4, seed=1), seq(2, 2, 4, seed=2), lens=[1, 2])


@pytest.mark.parametrize("cls,kw", [("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
                                    ("GRUCell", {"bias": False})])
def test_cells(cls, kw):
    t, j = pair(getattr(torch.nn, cls), getattr(jnn, cls), 3, 4, **kw)
    assert repr(j) == repr(t)
    state = [seq(2, 4, seed=1)] + ([seq(2, 4, seed=2)] if cls == "LSTMCell" else [])
    check_recurrent(t, j, seq(2, 3), *state)
    check_layer(t, j, seq(3, seed=1), rtol=1e-5, atol=1e-6, grad=False)


def test_pack_pad_utilities():
    x = np.random.default_rng(0).random((5, 4, 2)).astype(np.float32)
    lens = [5, 2, 4, 1]
    tp = TR.pack_padded_sequence(torch.tensor(x), lens, enforce_sorted=False)
    jp = JR.pack_padded_sequence(tjit.tensor(x), lens, enforce_sorted=False)
    np.testing.assert_array_equal(np.asarray(jp.data), tp.data.numpy())
    for name in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        assert getattr(jp, name).tolist() == getattr(tp, name).tolist()
    t_pad, t_len = TR.pad_packed_sequence(tp, batch_first=True, padding_value=-1.0, total_length=6)
    j_pad, j_len = JR.pad_packed_sequence(jp, batch_first=True, padding_value=-1.0, total_length=6)
    np.testing.assert_array_equal(np.asarray(j_pad), t_pad.numpy())
    assert j_len.tolist() == t_len.tolist()
    seqs = [np.random.default_rng(i).random((n, 3)).astype(np.float32) for i, n in enumerate((2, 4, 1))]
    for side in ("left", "right"):
        np.testing.assert_array_equal(
            np.asarray(JR.pad_sequence([tjit.tensor(s) for s in seqs], True, 0.5, side)),
            TR.pad_sequence([torch.tensor(s) for s in seqs], True, 0.5, side).numpy())
    j_packed = JR.pack_sequence([tjit.tensor(s) for s in seqs], enforce_sorted=False)
    for a, s in zip(JR.unpack_sequence(j_packed), seqs):
        np.testing.assert_array_equal(np.asarray(a), s)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        JR.pack_padded_sequence(tjit.tensor(x), lens)


def test_clip_grad_and_parameter_vectors():
    t, j = pair(torch.nn.Linear, jnn.Linear, 3, 2)
    g = [np.random.default_rng(i).normal(size=tuple(p.shape)).astype(np.float32) * 3
         for i, p in enumerate(t.parameters())]
    for p_t, p_j, v in zip(t.parameters(), j.parameters(), g):
        p_t.grad, p_j.grad = torch.tensor(v), tjit.tensor(v)
    t_norm = torch.nn.utils.clip_grad_norm_(t.parameters(), 1.5)
    j_norm = jnn.utils.clip_grad_norm_(j.parameters(), 1.5)
    np.testing.assert_allclose(j_norm.item(), t_norm.item(), rtol=1e-5)
    for p_t, p_j in zip(t.parameters(), j.parameters()):
        np.testing.assert_allclose(np.asarray(p_j.grad), p_t.grad.numpy(), rtol=1e-5)
    torch.nn.utils.clip_grad_value_(t.parameters(), 0.1)
    jnn.utils.clip_grad_value_(j.parameters(), 0.1)
    for p_t, p_j in zip(t.parameters(), j.parameters()):
        np.testing.assert_allclose(np.asarray(p_j.grad), p_t.grad.numpy(), rtol=1e-6)
    p_t, p_j = list(t.parameters()), list(j.parameters())
    p_j[0].grad = tjit.tensor([[float("inf"), 0, 0], [0, 0, 0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        jnn.utils.clip_grad_norm_(p_j, 1.0, error_if_nonfinite=True)
    with pytest.warns(FutureWarning):
        jnn.utils.clip_grad_norm(p_j[1:], 1.0)
    vec = jnn.utils.parameters_to_vector(j.parameters())
    np.testing.assert_allclose(np.asarray(vec.detach()), torch.nn.utils.parameters_to_vector(t.parameters()).detach()
                               .numpy(), rtol=1e-6)
    jnn.utils.vector_to_parameters(tjit.arange(8, dtype=tjit.float32), j.parameters())
    assert np.asarray(j.weight.detach()).tolist() == [[0, 1, 2], [3, 4, 5]] and j.bias.tolist() == [6, 7]
    other = jnn.Linear(3, 2)
    copy_state(t, other)


@pytest.mark.parametrize("cls,kw", [
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 3}),
    ("GRU", {"batch_first": True}),
    ("RNN", {"nonlinearity": "relu"}),
])
def test_recurrence_without_grad_is_compiled(cls, kw):
    """Under no_grad a recurrent layer runs its compiled recurrence: torch's values, and a
    second call with the same shapes schedules nothing."""
    from tjit.runtime import stats
    t, j = pair(getattr(torch.nn, cls), getattr(jnn, cls), 3, 4, **kw)
    for seed in (3, 4):
        x = seq(5, 2, 3, seed=seed)
        with torch.no_grad():
            ref = t(x[0])
        before = stats.snapshot().get("schedules", 0)
        with tjit.no_grad():
            got = j(x[1])
        if seed == 4:
            assert stats.snapshot().get("schedules", 0) == before
        ref_flat = [ref[0]] + list(ref[1] if isinstance(ref[1], tuple) else (ref[1],))
        got_flat = [got[0]] + list(got[1] if isinstance(got[1], tuple) else (got[1],))
        for a, b in zip(ref_flat, got_flat):
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
    import copy
    import pickle
    for clone in (copy.deepcopy(j), pickle.loads(pickle.dumps(j))):  # compiled code is not carried
        with tjit.no_grad():
            np.testing.assert_array_equal(clone(x[1])[0].numpy(), got[0].numpy())
