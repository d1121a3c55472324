"""Shape ops and views against torch: values, dtypes, shapes, torch's strides / storage
offsets / contiguity, and torch's exception types and messages for bad arguments."""
import numpy as np
import pytest
import torch

import tjit
from helpers import check_op, make, noncontig

X = make((2, 3, 4))
M = make((3, 4), seed=1)
V = make((6,), seed=2)
XI = make((2, 3, 4), "int64", low=-9, high=9)


def meta(t):
    """What torch says about a tensor's memory layout."""
    return tuple(t.shape), t.stride(), t.storage_offset(), t.is_contiguous()


def both(fn, *inputs, **kwargs):
    """check_op for `fn(lib, *tensors)`: run with lib=torch and with lib=tjit."""
    return check_op(lambda *a: fn(torch, *a), lambda *a: fn(tjit, *a), *inputs, **kwargs)


# -- joins -------------------------------------------------------------------------------
JOINS = {
    "cat0": (lambda L, a, b: L.cat([a, b]), (M, M)),
    "cat1": (lambda L, a, b: L.cat((a, b, a), dim=-1), (M, M)),
    "cat_promote": (lambda L, a, b: L.cat([a, b.long()], 1), (M, M)),
    "cat_empty_legacy": (lambda L, a: L.cat([a, L.tensor([])]), (make((6,), "int32"),)),
    "cat_empty_rows": (lambda L, a: L.cat([a, a[:0]]), (M,)),
    "cat_one": (lambda L, a: L.cat([a]), (M,)),
    "stack": (lambda L, a, b: L.stack([a, b], 1), (M, M)),
    "stack_last": (lambda L, a, b: L.stack((a, b), -1), (M, M)),
    "hstack": (lambda L, a, b: L.hstack([a, b]), (M, M)),
    "hstack_1d": (lambda L, a, b: L.hstack([a, b]), (V, V)),
    "vstack": (lambda L, a, b: L.vstack([a, b]), (V, V)),
    "dstack": (lambda L, a, b: L.dstack([a, b]), (M, M)),
    "dstack_1d": (lambda L, a, b: L.dstack([a, b]), (V, V)),
    "column_stack": (lambda L, a, b: L.column_stack([a, b]), (V, V)),
    "cat_noncontig": (lambda L, a, b: L.cat([a, b], 0), (noncontig(M), noncontig(M, "strided"))),
}


@pytest.mark.parametrize("name", JOINS)
def test_joins(name):
    fn, inputs = JOINS[name]
    both(fn, *inputs)


JOIN_ERRORS = {
    "cat_empty_list": (lambda L: L.cat([]), "non-empty list"),
    "cat_0d": (lambda L: L.cat([L.tensor(1.), L.tensor(2.)]), "zero-dimensional tensor"),
    "cat_sizes": (lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 4)]), r"Sizes of tensors must match.*tensor number 1"),
    "cat_ndim": (lambda L: L.cat([L.zeros(2, 3), L.zeros(2, 3, 1)]), "same number of dimensions"),
    "cat_dim": (lambda L: L.cat([L.zeros(2, 3)], 2), "Dimension out of range"),
    "cat_not_tensor": (lambda L: L.cat([L.zeros(2), 1]), "expected Tensor as element 1"),
    "stack_sizes": (lambda L: L.stack([L.zeros(2, 3), L.zeros(1, 3)]), r"\[2, 3\] at entry 0 and \[1, 3\]"),
    "stack_empty": (lambda L: L.stack([]), "non-empty"),
    "hstack_empty": (lambda L: L.hstack([]), "hstack expects a non-empty TensorList"),
    "vstack_empty": (lambda L: L.vstack([]), "vstack expects a non-empty TensorList"),
}


@pytest.mark.parametrize("name", JOIN_ERRORS)
def test_join_errors(name):
    fn, match = JOIN_ERRORS[name]
    both(fn, match=match)


# -- splits ------------------------------------------------------------------------------
SPLITS = {
    "chunk": lambda L, x: x.chunk(2, 2),
    "chunk_uneven": lambda L, x: L.chunk(x, 3, -1),
    "chunk_more_than_size": lambda L, x: x.chunk(5, 0),
    "chunk_empty": lambda L, x: x[:, :0].chunk(3, 1),
    "split": lambda L, x: x.split(3, 2),
    "split_sizes": lambda L, x: x.split([1, 3], 2),
    "split_zero_sizes": lambda L, x: L.split(x, [0, 3, 1], -1),
    "tensor_split_sections": lambda L, x: x.tensor_split(3, 2),
    "tensor_split_indices": lambda L, x: L.tensor_split(x, [1, 3], 2),
    "tensor_split_past_end": lambda L, x: x.tensor_split((1, 9), 2),
    "tensor_split_decreasing": lambda L, x: x.tensor_split([3, 1, -1], 2),
    "tensor_split_tensor": lambda L, x: x.tensor_split(L.tensor([1, 2]), 1),
    "unbind": lambda L, x: x.unbind(1),
    "unbind_neg": lambda L, x: L.unbind(x, -1),
}


@pytest.mark.parametrize("name", SPLITS)
def test_splits(name):
    fn = SPLITS[name]
    both(fn, X)


def test_split_pieces_are_views():
    check_op(lambda x: [meta(p) for p in x.split([1, 3], 2)], None, X)
    check_op(lambda x: [meta(p) for p in x.unbind(2)], None, X)


SPLIT_ERRORS = {
    "split_negative": (lambda L, x: x.split(-1), "non-negative, but got split_size=-1"),
    "split_zero": (lambda L, x: x.split(0), "split_size can only be 0"),
    "split_sum": (lambda L, x: x.split([1, 1]), "sum exactly to 2"),
    "split_negative_entry": (lambda L, x: x.split([3, -1]), "only non-negative entries"),
    "chunk_zero": (lambda L, x: x.chunk(0), "greater than 0"),
    "tensor_split_zero": (lambda L, x: x.tensor_split(0), "number of sections must be larger than 0"),
    "unbind_0d": (lambda L, x: x.sum().unbind(), "tensor has no dimensions"),
}


@pytest.mark.parametrize("name", SPLIT_ERRORS)
def test_split_errors(name):
    fn, match = SPLIT_ERRORS[name]
    both(fn, X, match=match)


# -- views -------------------------------------------------------------------------------
VIEWS = {
    "t": lambda L, x: x[0].t(),
    "t_1d": lambda L, x: x[0, 0].t(),
    "T": lambda L, x: x[0].T,
    "mT": lambda L, x: x.mT,
    "transpose": lambda L, x: x.transpose(0, 2),
    "swapaxes": lambda L, x: x.swapaxes(-1, 1),
    "permute": lambda L, x: x.permute(2, 0, 1),
    "permute_list": lambda L, x: L.permute(x, [-1, 0, 1]),
    "movedim": lambda L, x: x.movedim(0, -1),
    "movedim_many": lambda L, x: L.movedim(x, (0, 1), (2, 0)),
    "unsqueeze": lambda L, x: x.unsqueeze(1),
    "unsqueeze_end": lambda L, x: x.unsqueeze(-1),
    "unsqueeze_of_slice": lambda L, x: x[:, ::2].unsqueeze(2),
    "squeeze_all": lambda L, x: x[:, :1, None].squeeze(),
    "squeeze_dim": lambda L, x: x[:, :1].squeeze(1),
    "squeeze_dim_not_one": lambda L, x: x.squeeze(1),
    "squeeze_tuple": lambda L, x: x[:1, :, :1].squeeze((0, -1)),
    "squeeze_0d": lambda L, x: x.sum().squeeze(0),
    "view": lambda L, x: x.view(4, -1),
    "view_sizes": lambda L, x: x.view(2, 12),
    "view_of_slice": lambda L, x: x[:, 1:2].view(2, 2, 2),
    "view_transposed_compatible": lambda L, x: x.transpose(0, 1).view(3, 2, 2, 2),
    "view_as": lambda L, x: x.view_as(L.zeros(4, 6)),
    "reshape_view": lambda L, x: x.reshape(-1, 6),
    "reshape_copy": lambda L, x: x.transpose(0, 2).reshape(-1),
    "reshape_of_select": lambda L, x: x[1].reshape(12),
    "flatten": lambda L, x: x.flatten(1),
    "flatten_all": lambda L, x: L.flatten(x),
    "flatten_0d": lambda L, x: x.sum().flatten(),
    "unflatten": lambda L, x: x.unflatten(2, (2, 2)),
    "unflatten_infer": lambda L, x: x.unflatten(-1, (2, -1)),
    "unflatten_noncontig": lambda L, x: x.transpose(0, 2).unflatten(0, (2, 2)),
    "expand": lambda L, x: x[:, :1].expand(2, 5, 4),
    "expand_new_dims": lambda L, x: x[0].expand(3, -1, -1),
    "expand_as": lambda L, x: x[:1].expand_as(x),
    "broadcast_to": lambda L, x: L.broadcast_to(x[0, 0], (2, 3, 4)),
    "contiguous": lambda L, x: x.transpose(0, 1).contiguous(),
    "contiguous_noop": lambda L, x: x[1:].contiguous(),
    "narrow": lambda L, x: x.narrow(2, 1, 2),
    "narrow_negative_start": lambda L, x: L.narrow(x, -1, -3, 2),
    "select": lambda L, x: x.select(2, -1),
    "diagonal": lambda L, x: x[0].diagonal(),
    "diagonal_offset": lambda L, x: x[0].diagonal(1),
    "diagonal_negative": lambda L, x: x[0].diagonal(-1),
    "diagonal_dims": lambda L, x: L.diagonal(x, 1, -1, 0),
    "diagonal_empty": lambda L, x: x[0].diagonal(5),
    "as_strided": lambda L, x: L.as_strided(x, (2, 2), (5, 2), 3),
    "as_strided_of_view": lambda L, x: x[1].as_strided((3,), (4,)),
    "unfold": lambda L, x: x.unfold(2, 2, 1),
    "unfold_step": lambda L, x: x.unfold(2, 2, 2),
    "unfold_transposed": lambda L, x: x.transpose(0, 2).unfold(0, 3, 1),
    "detach": lambda L, x: x[1].detach(),
    "empty_slice": lambda L, x: x[:, 3:],
    "empty_transposed": lambda L, x: x[:, 3:].transpose(0, 1),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views(name):
    """Values, and the strides / offset / contiguity torch gives the view."""
    fn = VIEWS[name]
    both(fn, X)
    both(lambda L, x: meta(fn(L, x)), X)


@pytest.mark.parametrize("layout", ["transposed", "strided"])
@pytest.mark.parametrize("name", ["permute", "unsqueeze", "squeeze_dim", "reshape_view", "expand", "narrow",
                                  "diagonal", "unfold", "flatten"])
def test_views_of_noncontiguous(name, layout):
    fn = VIEWS[name]
    both(fn, noncontig(X, layout))


def test_views_integer():
    check_op(lambda x: (x.t().reshape(-1), x.permute(1, 0).contiguous(), x.unsqueeze(0).expand(2, 4, 3)), None,
             noncontig(make((3, 4), "int64")))


VIEW_ERRORS = {
    "view_noncontiguous": (lambda L, x: x.transpose(0, 1).view(-1), "view size is not compatible"),
    "view_bad_size": (lambda L, x: x.view(5, -1), r"shape '\[5, -1\]' is invalid for input of size 24"),
    "view_two_inferred": (lambda L, x: x.view(-1, -1), "only one dimension can be inferred"),
    "view_empty_ambiguous": (lambda L, x: x[:0].view(-1, 0), "ambiguous"),
    "reshape_bad": (lambda L, x: x.reshape(5, 5), "invalid for input of size 24"),
    "permute_length": (lambda L, x: x.permute(0, 1), "does not match the length"),
    "permute_duplicate": (lambda L, x: x.permute(0, 0, 1), "duplicate dims"),
    "permute_range": (lambda L, x: x.permute(0, 1, 3), "Dimension out of range"),
    "transpose_range": (lambda L, x: x.transpose(0, 3), "Dimension out of range"),
    "t_3d": (lambda L, x: x.t(), "t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"),
    "movedim_repeated": (lambda L, x: x.movedim((0, 0), (0, 1)), "repeated dim in `source`"),
    "movedim_length": (lambda L, x: x.movedim((0, 1), (0,)), "same number of dims"),
    "unsqueeze_range": (lambda L, x: x.unsqueeze(4), "Dimension out of range"),
    "squeeze_range": (lambda L, x: x.squeeze(3), "Dimension out of range"),
    "flatten_order": (lambda L, x: x.flatten(2, 1), "start_dim cannot come after end_dim"),
    "unflatten_product": (lambda L, x: x.unflatten(1, (2, 2)), "don't multiply up to the size of dim 1"),
    "expand_fewer_dims": (lambda L, x: x.expand(4), r"expand\(torch.FloatTensor\{\[2, 3, 4\]\}, size=\[4\]\)"),
    "expand_mismatch": (lambda L, x: x.expand(2, 3, 5), "must match the existing size"),
    "expand_negative_leading": (lambda L, x: x.expand(-1, 2, 3, 4), "isn't allowed in a leading"),
    "narrow_length": (lambda L, x: x.narrow(0, 0, -1), "length must be non-negative"),
    "narrow_start": (lambda L, x: x.narrow(0, 3, 0), "start out of range"),
    "narrow_end": (lambda L, x: x.narrow(1, 2, 2), "exceeds dimension size"),
    "select_index": (lambda L, x: x.select(0, -3), "select\\(\\): index -3 out of range"),
    "select_0d": (lambda L, x: x.sum().select(0, 0), "select\\(\\) cannot be applied to a 0-dim tensor"),
    "diagonal_same_dims": (lambda L, x: x.diagonal(0, 1, 1), "diagonal dimensions cannot be identical"),
    "as_strided_storage": (lambda L, x: x.as_strided((5, 5), (5, 1)), "out of bounds for storage of size 96"),
    "as_strided_negative": (lambda L, x: x.as_strided((2,), (-1,)), "Negative strides"),
    "unfold_size": (lambda L, x: x.unfold(2, 5, 1), "maximum size for tensor at dimension 2 is 4"),
    "unfold_step": (lambda L, x: x.unfold(2, 2, 0), "step is 0 but must be > 0"),
}


@pytest.mark.parametrize("name", VIEW_ERRORS)
def test_view_errors(name):
    fn, match = VIEW_ERRORS[name]
    both(fn, X, match=match)


def test_reshape_copies_only_when_needed():
    """reshape of a viewable tensor shares memory (writes show through); otherwise a copy."""
    def write(x, f):
        f(x)[0] = 100.0
        return x
    check_op(lambda x: write(x, lambda y: y.reshape(-1)), None, M)
    check_op(lambda x: write(x, lambda y: y.t().reshape(-1)), None, M)
    a = tjit.zeros(3, 4)
    assert a.reshape(12)._base is a and a.t().reshape(12)._base is None


# -- reorderings and repeats ---------------------------------------------------------------
REORDER = {
    "flip": lambda L, x: x.flip(0, 2),
    "flip_list": lambda L, x: L.flip(x, [1]),
    "flip_none": lambda L, x: x.flip(()),
    "fliplr": lambda L, x: x[0].fliplr(),
    "flipud": lambda L, x: L.flipud(x),
    "roll_flat": lambda L, x: x.roll(5),
    "roll_dim": lambda L, x: L.roll(x, -1, 2),
    "roll_dims": lambda L, x: x.roll((1, 7), (0, 2)),
    "roll_zero": lambda L, x: x.roll(3, 1),
    "repeat": lambda L, x: x[0].repeat(2, 1, 3),
    "repeat_zero": lambda L, x: x[0].repeat(0, 2),
    "tile": lambda L, x: x[0].tile((2,)),
    "tile_int": lambda L, x: x[0].tile(2),
    "tile_more": lambda L, x: L.tile(x[0], (2, 1, 2)),
    "repeat_interleave": lambda L, x: x.repeat_interleave(2),
    "repeat_interleave_dim": lambda L, x: x.repeat_interleave(2, dim=1),
    "repeat_interleave_counts": lambda L, x: x.repeat_interleave(L.tensor([1, 0, 2]), dim=1),
    "repeat_interleave_0d_tensor": lambda L, x: x.repeat_interleave(L.tensor(2), dim=0),
    "repeat_interleave_indices": lambda L, x: L.repeat_interleave(L.tensor([1, 0, 2])),
    "tril": lambda L, x: x.tril(),
    "triu": lambda L, x: x.triu(1),
    "tril_negative": lambda L, x: L.tril(x, -1),
    "triu_wide": lambda L, x: x[0].triu(-5),
}


@pytest.mark.parametrize("name", REORDER)
def test_reorder(name):
    fn = REORDER[name]
    both(fn, X)


@pytest.mark.parametrize("name", ["flip", "roll_dims", "repeat", "tile_more", "repeat_interleave_dim", "tril"])
def test_reorder_noncontiguous_int(name):
    fn = REORDER[name]
    both(fn, noncontig(XI, "strided"))


REORDER_ERRORS = {
    "flip_repeated": (lambda L, x: x.flip(0, 0), "dim 0 appears multiple times"),
    "fliplr_1d": (lambda L, x: x[0, 0].fliplr(), "Input must be >= 2-d."),
    "roll_mismatch": (lambda L, x: x.roll((1, 2), 0), "shifts and dimensions must align. shifts: 2, dims:1"),
    "repeat_fewer": (lambda L, x: x.repeat(2), "can not be smaller than number of dimensions"),
    "repeat_interleave_negative": (lambda L, x: x.repeat_interleave(-1), "Repeats must be non-negative"),
    "repeat_interleave_counts": (lambda L, x: x.repeat_interleave(L.tensor([1, 2]), dim=0), "same size as input"),
    "tril_1d": (lambda L, x: x[0, 0].tril(), "tril: input tensor must have at least 2 dimensions"),
}


@pytest.mark.parametrize("name", REORDER_ERRORS)
def test_reorder_errors(name):
    fn, match = REORDER_ERRORS[name]
    both(fn, X, match=match)


def test_reorders_are_copies():
    """flip/roll/repeat results own their memory: writing them leaves the input alone."""
    def write(x, f):
        f(x).fill_(0)
        return x
    for f in (lambda y: y.flip(0), lambda y: y.roll(1), lambda y: y.repeat(1, 1), lambda y: y.contiguous().clone()):
        check_op(lambda x: write(x, f), None, M)


def test_empty_and_0d_shapes():
    e = make((0, 3))
    both(lambda L, x: (x.t(), x.reshape(3, 0), x.unsqueeze(1), L.cat([x, x]), x.flip(0), x.repeat(2, 2)), e)
    s = make(())
    check_op(lambda x: (x.unsqueeze(0), x.reshape(1, 1), x.expand(3), x.t(), x.flatten(), x.view(-1)), None, s)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
@pytest.mark.parametrize("attr", ["T", "mT", "H", "mH"])
def test_transpose_properties(attr, shape):
    """Values and views, torch's deprecation warnings (0-d, x.T off 2-d) and errors."""
    check_op(lambda x: (getattr(x, attr), meta(getattr(x, attr))), None, make(shape))


def test_stride_after_view_chain():
    check_op(lambda x: meta(x.transpose(0, 2)[1:, ::2].unsqueeze(0).permute(3, 1, 2, 0)[..., 0]), None, X)
    check_op(lambda x: meta(x[None, :, None, 1]), None, X)


def test_methods_where_torch_has_them():
    """Each shape function is a Tensor method exactly where torch has one."""
    for name in ["view", "reshape", "permute", "transpose", "swapaxes", "t", "expand", "squeeze", "unsqueeze",
                 "flatten", "unflatten", "narrow", "select", "unfold", "chunk", "split", "tensor_split", "unbind",
                 "flip", "fliplr", "roll", "repeat", "tile", "repeat_interleave", "diagonal", "as_strided", "tril",
                 "movedim", "contiguous", "stride", "storage_offset", "is_contiguous", "expand_as", "view_as", "put",
                 "index_put_", "take_along_dim", "masked_scatter", "cat", "stack", "hstack", "row_stack", "atleast_1d",
                 "broadcast_tensors", "concat", "slice_dim"]:
        assert hasattr(tjit.Tensor, name) == hasattr(torch.Tensor, name), name


def test_cat_with_empty_pieces():
    """Empty pieces write nothing (a cat of 5+ pieces lowers one kernel per non-empty
    piece) and 1-d empty pieces joined with 1-d tensors still get their empty gradient."""
    np.testing.assert_array_equal(tjit.cat([tjit.ones(n, 2) for n in (0, 1, 1, 1, 1)]).numpy(), np.ones((4, 2)))
    a, b = tjit.ones(0, requires_grad=True), tjit.ones(2, requires_grad=True)
    tjit.cat([b, a]).sum().backward()
    assert tuple(a.grad.shape) == (0,) and b.grad.tolist() == [1.0, 1.0]
    assert tuple(tjit.cat([tjit.ones(2, 3), tjit.ones(0)]).shape) == (2, 3)  # legacy skip
