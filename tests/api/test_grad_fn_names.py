"""grad_fn names of common ops against torch: `type(t.grad_fn).__name__`, `grad_fn.name()`
and the repr, for primitives and for composites (which label the node of their result,
keeping the primitives' gradient graph underneath).  Labels must not change gradients."""
import numpy as np
import pytest
import torch

import tjit
from helpers import assert_same

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)
X4 = RNG.standard_normal((2, 3, 5, 5)).astype(np.float32)
W = RNG.standard_normal((5, 4)).astype(np.float32)
K = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)


def F(L):
    return L.nn.functional


def arg(L, values):
    return L.tensor(values)


# each case: fn(L, x, x4, w, b) with x (3, 4), x4 (2, 3, 5, 5), w (5, 4), b (5,) leaves
CASES = {
    # reductions and statistics
    "mean": lambda L, x, *_: x.mean(), "mean_dim": lambda L, x, *_: x.mean(1),
    "mean_keepdim": lambda L, x, *_: L.mean(x, 1, keepdim=True), "var": lambda L, x, *_: x.var(),
    "var_dim": lambda L, x, *_: L.var(x, 1), "std": lambda L, x, *_: x.std(), "std_dim": lambda L, x, *_: x.std(0),
    "std_biased": lambda L, x, *_: x.std(unbiased=False),
    "norm": lambda L, x, *_: x.norm(), "norm_p1_dim": lambda L, x, *_: L.norm(x, 1, dim=1),
    "vector_norm": lambda L, x, *_: L.linalg.vector_norm(x, 3), "sum": lambda L, x, *_: x.sum(),
    "sum_dim": lambda L, x, *_: x.sum(1), "sum_keepdim": lambda L, x, *_: L.sum(x, (0, 1), keepdim=True),
    "logsumexp": lambda L, x, *_: x.logsumexp(1), "prod": lambda L, x, *_: x.prod(), "max": lambda L, x, *_: x.max(),
    "amax": lambda L, x, *_: x.amax(1), "cumsum": lambda L, x, *_: x.cumsum(1),
    # activations
    "softmax": lambda L, x, *_: F(L).softmax(x, 0),
    "softmax_dtype": lambda L, x, *_: F(L).softmax(x, 1, dtype=L.float64),
    "log_softmax": lambda L, x, *_: F(L).log_softmax(x, 1),
    "sigmoid": lambda L, x, *_: x.sigmoid(), "sigmoid_F": lambda L, x, *_: F(L).sigmoid(x),
    "tanh": lambda L, x, *_: L.tanh(x), "relu": lambda L, x, *_: F(L).relu(x),
    "relu_inplace": lambda L, x, *_: F(L).relu(x * 1, inplace=True), "relu_module": lambda L, x, *_: L.nn.ReLU()(x),
    "gelu": lambda L, x, *_: F(L).gelu(x), "gelu_tanh": lambda L, x, *_: F(L).gelu(x, approximate="tanh"),
    "silu": lambda L, x, *_: F(L).silu(x),
    # matrix products and layers
    "linear": lambda L, x, x4, w, b: F(L).linear(x, w, b), "linear_no_bias": lambda L, x, x4, w, b: F(L).linear(x, w),
    "linear_3d": lambda L, x, x4, w, b: F(L).linear(x.view(1, 3, 4), w, b),
    "linear_1d": lambda L, x, x4, w, b: F(L).linear(x[0], w, b),
    "addmm": lambda L, x, x4, w, b: L.addmm(b, x, w.t()), "matmul": lambda L, x, x4, w, b: x @ w.t(),
    "matmul_3d": lambda L, x, x4, w, b: x.view(1, 3, 4) @ w.t(), "mm": lambda L, x, x4, w, b: x.mm(w.t()),
    "bmm": lambda L, x, x4, w, b: L.bmm(x.view(1, 3, 4), w.t().reshape(1, 4, 5)),
    "dot": lambda L, x, x4, w, b: x[0] @ w[0], "mv": lambda L, x, x4, w, b: x @ w[0],
    "conv2d": lambda L, x, x4, *_: F(L).conv2d(x4, arg(L, K)),
    "max_pool2d": lambda L, x, x4, *_: F(L).max_pool2d(x4, 2),
    "max_pool2d_indices": lambda L, x, x4, *_: F(L).max_pool2d(x4, 2, return_indices=True)[0],
    "batch_norm": lambda L, x, x4, *_: F(L).batch_norm(x4, L.zeros(3), L.ones(3), training=True),
    "batch_norm_eval": lambda L, x, x4, *_: F(L).batch_norm(x4, L.zeros(3), L.ones(3)),
    "layer_norm": lambda L, x, *_: F(L).layer_norm(x, (4,)),
    "embedding": lambda L, x, *_: F(L).embedding(L.tensor([0, 2]), x),
    "cross_entropy": lambda L, x, *_: F(L).cross_entropy(x, L.tensor([0, 1, 2])),
    "nll_loss": lambda L, x, *_: F(L).nll_loss(x, L.tensor([0, 1, 2])),
    "mse_loss": lambda L, x, *_: F(L).mse_loss(x, L.zeros(3, 4)),
    "dropout": lambda L, x, *_: F(L).dropout(x, 0.5),
    # shapes and indexing
    "view": lambda L, x, *_: x.view(12), "reshape": lambda L, x, *_: x.reshape(12),
    "reshape_copy": lambda L, x, *_: x.t().reshape(12), "flatten": lambda L, x, *_: x.flatten(),
    "transpose": lambda L, x, *_: x.transpose(0, 1), "t": lambda L, x, *_: x.t(),
    "permute": lambda L, x, *_: x.permute(1, 0), "cat": lambda L, x, *_: L.cat([x, x]),
    "stack": lambda L, x, *_: L.stack([x, x]), "slice": lambda L, x, *_: x[1:], "slice_col": lambda L, x, *_: x[:, 1:],
    "select": lambda L, x, *_: x[1], "index": lambda L, x, *_: x[L.tensor([0, 2])],
    "expand": lambda L, x, *_: x[:1].expand(3, 4), "squeeze": lambda L, x, *_: x.view(1, 3, 4).squeeze(),
    "squeeze_dim": lambda L, x, *_: x.view(1, 3, 4).squeeze(0), "unsqueeze": lambda L, x, *_: x.unsqueeze(0),
    # pointwise
    "clamp": lambda L, x, *_: x.clamp(-1, 1), "clamp_min": lambda L, x, *_: x.clamp(min=0),
    "pow": lambda L, x, *_: x.pow(2), "pow_tensor": lambda L, x, *_: x ** x, "rpow": lambda L, x, *_: 2 ** x,
    "exp": lambda L, x, *_: x.exp(), "log": lambda L, x, *_: x.log(), "abs": lambda L, x, *_: x.abs(),
    "where": lambda L, x, *_: L.where(x > 0, x, 0.0), "neg": lambda L, x, *_: -x, "rsub": lambda L, x, *_: 1 - x,
    "clone": lambda L, x, *_: x.clone(), "to_double": lambda L, x, *_: x.double(),
}

# overloads and the paths composites take, each checked against torch's choice
VARIANTS = {
    "mean_dim_none": lambda L, x, *_: x.mean(dim=None), "sum_dim_kw": lambda L, x, *_: L.sum(x, dim=1),
    "sum_dtype": lambda L, x, *_: x.sum(dtype=L.float64), "std_dims": lambda L, x, *_: x.std((0, 1)),
    "norm_inf": lambda L, x, *_: x.norm(float("inf")), "linalg_norm": lambda L, x, *_: L.linalg.norm(x),
    "dist": lambda L, x, *_: L.dist(x, x * 2),
    "linear_no_bias_3d": lambda L, x, x4, w, b: F(L).linear(x.view(1, 3, 4), w),
    "linear_no_bias_1d": lambda L, x, x4, w, b: F(L).linear(x[0], w),
    "linear_strided": lambda L, x, x4, w, b: F(L).linear(x4[:, :, :4, 0], w, b),
    "linear_module": lambda L, x, *_: L.nn.Linear(4, 2)(x),
    "matmul_1d_2d": lambda L, x, x4, w, b: x[0] @ w.t(), "matmul_3d_1d": lambda L, x, x4, w, b: x.view(1, 3, 4) @ w[0],
    "matmul_2d_3d": lambda L, x, x4, w, b: x @ w.t().reshape(1, 4, 5),
    "matmul_1d_4d": lambda L, x, x4, w, b: x[0] @ x4[:, :, :4],
    "matmul_3d_3d": lambda L, x, x4, w, b: x4[0, :, :, :4] @ x4[0, :, :4, :],
    "conv1d": lambda L, x, x4, *_: F(L).conv1d(x4[:, :, 0], arg(L, K[:, :, 0])),
    "conv2d_bias_unbatched":
        lambda L, x, x4, *_: F(L).conv2d(x4[0], arg(L, K), arg(L, K[:, 0, 0, 0].copy()), padding=1),
    "conv_transpose2d": lambda L, x, x4, *_: F(L).conv_transpose2d(x4, arg(L, K[:3])),
    "max_pool2d_unbatched": lambda L, x, x4, *_: F(L).max_pool2d(x4[0], 2, 1),
    "max_pool3d": lambda L, x, x4, *_: F(L).max_pool3d(x4, 2),
    "avg_pool2d": lambda L, x, x4, *_: F(L).avg_pool2d(x4, 2),
    "batch_norm_2d": lambda L, x, *_: F(L).batch_norm(x, L.zeros(4), L.ones(4), training=True),
    "layer_norm_affine": lambda L, x, x4, w, b: F(L).layer_norm(x, (4,), w[0], w[1]),
    "group_norm": lambda L, x, x4, *_: F(L).group_norm(x4, 3),
    "batch_norm_module": lambda L, x, x4, *_: L.nn.BatchNorm2d(3)(x4),
    "embedding_padding": lambda L, x, *_: F(L).embedding(L.tensor([0, 2]), x, padding_idx=0),
    "cross_entropy_none": lambda L, x, *_: F(L).cross_entropy(x, L.tensor([0, 1, 2]), reduction="none"),
    "cross_entropy_4d": lambda L, x, x4, *_: F(L).cross_entropy(x4, L.zeros(2, 5, 5, dtype=L.int64)),
    "cross_entropy_smoothing": lambda L, x, *_: F(L).cross_entropy(x, L.tensor([0, 1, 2]), label_smoothing=0.1),
    "mse_loss_sum": lambda L, x, *_: F(L).mse_loss(x, L.zeros(3, 4), reduction="sum"),
    "reshape_alias": lambda L, x, *_: x.t().reshape(4, 3, 1),
    "reshape_slice_alias": lambda L, x, *_: x[:, :2].reshape(3, 2, 1),
    "reshape_slice_copy": lambda L, x, *_: x[:, :2].reshape(6),
    "reshape_expanded": lambda L, x, *_: x[:1].expand(3, 4).reshape(12),
    "reshape_rows": lambda L, x, *_: x[1:].reshape(2, 4), "reshape_unsqueeze": lambda L, x, *_: x.reshape(3, 4, 1),
    "flatten_copy": lambda L, x, *_: x.t().flatten(), "unflatten": lambda L, x, *_: x.t().unflatten(0, (2, 2)),
    "view_unsqueeze": lambda L, x, *_: x.view(1, 3, 4), "T": lambda L, x, *_: x.T, "mT": lambda L, x, *_: x.mT,
    "swapaxes": lambda L, x, *_: x.swapaxes(0, 1), "transpose_same": lambda L, x, *_: x.transpose(0, 0),
    "t_1d": lambda L, x, *_: x[0].t(), "permute_identity": lambda L, x, *_: x.permute(0, 1),
    "hstack": lambda L, x, *_: L.hstack([x, x]), "cat_one": lambda L, x, *_: L.cat([x * 1]),
    "stack_one": lambda L, x, *_: L.stack([x]),
    "pow_half": lambda L, x, *_: x.pow(0.5), "pow_op": lambda L, x, *_: x ** 2, "pow_one": lambda L, x, *_: x ** 1,
    "pow_0d_tensor": lambda L, x, *_: x ** L.tensor(2.0), "square": lambda L, x, *_: x.square(),
    "pow_scalar_base": lambda L, x, *_: L.pow(2, x), "pow_negative": lambda L, x, *_: x ** -1,
    "clamp_tensor": lambda L, x, *_: x.clamp(L.zeros(3, 4)), "clamp_max": lambda L, x, *_: x.clamp(max=1),
    "clamp_min_method": lambda L, x, *_: x.clamp_min(0),
    "clamp_max_tensor": lambda L, x, *_: x.clamp_max(L.zeros(3, 4)),
    "clip": lambda L, x, *_: x.clip(0, 1), "squeeze_dims": lambda L, x, *_: x.view(1, 3, 1, 4).squeeze((0, 2)),
    "index_list": lambda L, x, *_: x[[0, 1]], "index_mask": lambda L, x, *_: x[x > 0],
    "index_mixed": lambda L, x, *_: x[1:, [0, 1]], "index_none": lambda L, x, *_: x[None],
    "index_ellipsis": lambda L, x, *_: x[..., 1], "index_int_slice": lambda L, x, *_: x[1, 1:],
    "index_step": lambda L, x, *_: x[::2], "index_full": lambda L, x, *_: x[:],
    "index_negative": lambda L, x, *_: x[-1],
    "index_0d_tensor": lambda L, x, *_: x[L.tensor(1)], "narrow": lambda L, x, *_: x.narrow(1, 0, 2),
    "select": lambda L, x, *_: x.select(1, 0), "where_scalar": lambda L, x, *_: L.where(x > 0, 1.0, x),
    "expand_inferred": lambda L, x, *_: x.expand(2, -1, -1), "expand_same": lambda L, x, *_: x.expand(3, 4),
    "unsqueeze_last": lambda L, x, *_: x.unsqueeze(-1),
    "clamp_inplace": lambda L, x, *_: (x * 1).clamp_(0, 1), "exp_inplace": lambda L, x, *_: (x * 1).exp_(),
    "rsub_tensor": lambda L, x, *_: L.rsub(x, x), "rsub_scalar": lambda L, x, *_: L.rsub(x, 1),
    "dropout_all": lambda L, x, *_: F(L).dropout(x, 1.0),
    "dropout_eval": lambda L, x, *_: F(L).dropout(x * 1, training=False),
}
CASES.update(VARIANTS)


def run_case(L, name):
    x, x4, w, b = (L.tensor(v, requires_grad=True) for v in (X, X4, W, W[:, 0].copy()))
    return CASES[name](L, x, x4, w, b), (x, x4, w, b)


@pytest.mark.parametrize("name", list(CASES))
def test_grad_fn_name_matches_torch(name):
    t, _ = run_case(torch, name)
    j, _ = run_case(tjit, name)
    assert type(j.grad_fn).__name__ == type(t.grad_fn).__name__
    assert j.grad_fn.name() == t.grad_fn.name()
    assert repr(j.grad_fn).split(" object")[0] == repr(t.grad_fn).split(" object")[0]


def test_labels_keep_the_gradients():
    """A label renames the node of the composite's last primitive; backward through it,
    and through the graph of primitives underneath, gives torch's gradients."""
    def run(L):
        out, leaves = run_case(L, "mean")
        x, x4, w, b = leaves
        fl = F(L)
        total = (out + fl.linear(x, w, b).sum() + fl.log_softmax(x, 1).sum() * 0.5 + x.std() + x.norm()
                 + fl.layer_norm(x, (4,)).pow(2).sum() + fl.conv2d(x4, arg(L, K)).sum() + x[:, 1:].clamp(-1, 1).sum()
                 + fl.cross_entropy(x, L.tensor([0, 1, 2])))
        total.backward()
        return total, x.grad, x4.grad, w.grad, b.grad
    assert_same(run(torch), run(tjit))


def test_labelled_node_keeps_the_primitive_graph():
    x = tjit.tensor(X, requires_grad=True)
    fn = x.mean().grad_fn
    assert isinstance(fn, tjit.autograd.graph.Node) and type(fn).__name__ == "MeanBackward0"
    seen, stack = [], [fn]
    while stack:  # the primitives underneath lead back to x's accumulator
        n = stack.pop()
        seen.append(n.name())
        stack.extend(e for e, _ in n.next_functions if e is not None)
    assert seen[-1] == "torch::autograd::AccumulateGrad" and len(seen) > 2


def test_no_label_without_recording():
    x = tjit.tensor(X, requires_grad=True)
    with tjit.no_grad():
        assert x.mean().grad_fn is None and tjit.nn.functional.linear(x, x).grad_fn is None
    assert tjit.tensor(X).mean().grad_fn is None


def test_in_place_write_through_a_view_names():
    def run(L):
        y = L.tensor(X, requires_grad=True) * 2
        y[1] = 0.0
        return type(y.grad_fn).__name__, y.grad_fn.name(), repr(y.grad_fn).split(" object")[0]
    assert run(tjit) == run(torch) == ("CopySlices", "torch::autograd::CopySlices", "<CopySlices")


def test_cat_of_many_pieces_is_cat_backward():
    """Joins of 5+ pieces are one CAT primitive (written in place piece by piece)."""
    xs = [tjit.randn(2, 3, requires_grad=True) for _ in range(6)]
    y = tjit.cat(xs, 0)
    assert type(y.grad_fn).__name__ == "CatBackward0"
    (y * 2).sum().backward()
    assert all(float(x.grad.sum()) == 12.0 for x in xs)


@pytest.mark.parametrize("op", ["zero_", "copy_", "fill_scalar", "fill_tensor"])
def test_overwrite_by_a_constant_names_as_torch(op):
    import torch

    def run(lib):
        x = lib.ones(3, requires_grad=True) * 2
        if op == "zero_":
            x.zero_()
        elif op == "copy_":
            x.copy_(lib.zeros(3))
        elif op == "fill_scalar":
            x.fill_(3.0)
        else:
            x.fill_(lib.tensor(3.0))
        return type(x.grad_fn).__name__
    assert run(tjit) == run(torch)
