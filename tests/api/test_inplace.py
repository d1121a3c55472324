"""torch's view and in-place semantics: a write through a view changes the base and every
other view of it, detach()/.data share storage and clone() does not, numpy arrays share
memory both ways, and writes through views are lowered to one fused kernel where they can be."""
import numpy as np
import pytest
import torch

import tjit
from helpers import check_op, make, noncontig

M = make((3, 4))
V = make((6,), seed=1)
X = make((2, 3, 4), seed=2)


def views_after(write, *views):
    """A function that takes views of its input, writes, and returns the input and the views
    (each read after the write)."""
    def fn(x):
        vs = [f(x) for f in views]
        write(x, vs)
        return [x] + vs
    return fn


VIEW_WRITES = {
    "view_add_changes_base": views_after(lambda x, vs: vs[0].add_(1), lambda x: x[0]),
    "base_add_changes_view": views_after(lambda x, vs: x.add_(1), lambda x: x[0], lambda x: x[:, 1:]),
    "sibling_views": views_after(lambda x, vs: vs[0].mul_(2), lambda x: x[1], lambda x: x[:, 1], lambda x: x.t()),
    "view_of_view": views_after(lambda x, vs: vs[0][1:].mul_(2), lambda x: x[:, 1], lambda x: x[::2]),
    "transposed_setitem": views_after(lambda x, vs: vs[0].__setitem__(0, 5.0), lambda x: x.t(), lambda x: x[1]),
    "flat_view": views_after(lambda x, vs: vs[0].mul_(2), lambda x: x.view(-1)),
    "flat_view_part": views_after(lambda x, vs: vs[0][3:7].fill_(-1), lambda x: x.view(-1)),
    "reshape_view": views_after(lambda x, vs: vs[0][0].fill_(0), lambda x: x.reshape(4, 3)),
    "unsqueeze": views_after(lambda x, vs: vs[0][0, 1].fill_(0), lambda x: x.unsqueeze(0)),
    "diagonal": views_after(lambda x, vs: vs[0].fill_(0), lambda x: x.diagonal()),
    "diagonal_offset": views_after(lambda x, vs: vs[0].add_(10), lambda x: x.diagonal(1)),
    "split": views_after(lambda x, vs: vs[0].fill_(0), lambda x: x.split(3, 1)[1]),
    "unbind": views_after(lambda x, vs: [u.mul_(i) for i, u in enumerate(vs[0])], lambda x: x.unbind(1)),
    "chunk": views_after(lambda x, vs: vs[0].zero_(), lambda x: x.chunk(2, 1)[0]),
    "narrow": views_after(lambda x, vs: vs[0].sub_(1), lambda x: x.narrow(1, 1, 2)),
    "select": views_after(lambda x, vs: vs[0].neg_(), lambda x: x.select(1, 2)),
    "as_strided": views_after(lambda x, vs: vs[0].fill_(0), lambda x: x.as_strided((2, 2), (4, 1), 1)),
    "as_strided_scattered": views_after(lambda x, vs: vs[0].fill_(7), lambda x: x.as_strided((2, 2), (5, 1), 1)),
    "unfold": views_after(lambda x, vs: vs[0].add_(1), lambda x: x.unfold(1, 2, 2)),
    "permute_iadd": views_after(lambda x, vs: vs[0].__iadd__(1), lambda x: x.T),
    "setitem_view_chain": views_after(lambda x, vs: vs[0][0].__setitem__(slice(None), 9.0), lambda x: x[1:]),
    "copy_": views_after(lambda x, vs: vs[0].copy_(torch_or(x).ones(4)), lambda x: x[0]),
    "copy_broadcast": views_after(lambda x, vs: vs[0].copy_(torch_or(x).arange(3.0)), lambda x: x[:, 1]),
    "detach": views_after(lambda x, vs: vs[0].add_(1), lambda x: x.detach()),
    "detach_view": views_after(lambda x, vs: vs[0][1].zero_(), lambda x: x.detach(), lambda x: x[1:]),
    "data": views_after(lambda x, vs: x.data.mul_(2), lambda x: x[0]),
    "clone_is_separate": views_after(lambda x, vs: vs[0].add_(1), lambda x: x.clone()),
    "contiguous_copy": views_after(lambda x, vs: vs[0].add_(1), lambda x: x.t().contiguous()),
    "reshape_copy": views_after(lambda x, vs: vs[0][0:3].fill_(0), lambda x: x.t().reshape(12)),
    "index_add_on_view": views_after(lambda x, vs: vs[0].index_add_(0, torch_or(x).tensor([0, 1, 0]),
                                                                     torch_or(x).ones(3, 3)), lambda x: x[:, 1:]),
    "scatter_on_view": views_after(lambda x, vs: vs[0].scatter_(0, torch_or(x).tensor([[1, 0]]), -1.0),
                                   lambda x: x.t()),
    "masked_fill_view": views_after(lambda x, vs: vs[0].masked_fill_(vs[0] > 0, 0), lambda x: x[1:]),
    "write_after_base_changed": views_after(lambda x, vs: (x.mul_(3), vs[0].add_(1)), lambda x: x[2]),
    "many_writes": views_after(lambda x, vs: [x[i].fill_(i) for i in range(3)] and vs[0].add_(1), lambda x: x[:, 0]),
}


def torch_or(x):
    return torch if isinstance(x, torch.Tensor) else tjit


@pytest.mark.parametrize("name", VIEW_WRITES)
def test_view_writes(name):
    check_op(VIEW_WRITES[name], None, M)


@pytest.mark.parametrize("name", ["view_add_changes_base", "sibling_views", "transposed_setitem", "diagonal"])
def test_view_writes_on_noncontiguous(name):
    check_op(VIEW_WRITES[name], None, noncontig(M, "strided"))


def test_view_writes_int_and_bool():
    check_op(VIEW_WRITES["sibling_views"], None, make((3, 4), "int64"))
    check_op(views_after(lambda x, vs: vs[0].logical_not_(), lambda x: x[1:, ::2]), None, make((3, 4), "bool"))


def test_views_of_3d():
    check_op(views_after(lambda x, vs: vs[0].mul_(-1), lambda x: x[:, 1:, ::2].transpose(0, 2), lambda x: x[1]),
             None, X)
    check_op(views_after(lambda x, vs: vs[0].fill_(0), lambda x: x.permute(2, 0, 1)[1:3, :, 2]), None, X)
    check_op(views_after(lambda x, vs: vs[0].add_(5), lambda x: x.reshape(6, 4)[1:5:2]), None, X)


def test_unfold_write_without_overlap():
    check_op(views_after(lambda x, vs: vs[0].add_(1), lambda x: x.unfold(0, 2, 3)), None, V)


WRITE_ERRORS = {
    "expanded_add": (lambda x: x[:1].expand(3, 4).add_(1), "more than one element of the written-to tensor"),
    "expanded_add_": (lambda x: x.expand(2, 3, 4).add_(0), "more than one element"),
    "unsqueezed_expand_copy": (lambda x: x[:, :1].expand(3, 4).copy_(x), "single memory location"),
    "inplace_broadcast": (lambda x: x[0].add_(x),
                          "output with shape \\[4\\] doesn't match the broadcast shape \\[3, 4\\]"),
    "copy_shape": (lambda x: x.copy_(x[0, :2]), "must match the size"),
    "copy_more_dims": (lambda x: x.copy_(x[None]), "doesn't match the broadcast shape \\[1, 3, 4\\]"),
    "partial_overlap_copy": (lambda x: x[:2].copy_(x[1:]), "some elements of the input tensor and the written-to"),
    "partial_overlap_add": (lambda x: x.view(-1)[:8].add_(x.view(-1)[4:]), "refer to a single memory location"),
    "partial_overlap_setitem": (lambda x: x.__setitem__(slice(1, None), x[:2]), "single memory location"),
    "overlap_other_layout": (lambda x: x.view(-1)[:9].view(3, 3).add_(x.view(-1)[:9].view(3, 3).t()),
                             "single memory location"),
    "overlap_kwarg": (lambda x: x[:2].addcmul_(x[:2], tensor2=x[1:]), "single memory location"),
}


@pytest.mark.parametrize("name", WRITE_ERRORS)
def test_write_errors(name):
    fn, match = WRITE_ERRORS[name]
    check_op(fn, None, M, match=match)


def test_allowed_overlaps():
    """The same view as input, disjoint views, and views torch cannot judge (not dense)."""
    check_op(lambda x: (x[1].add_(x[1]), x[:1].mul_(x[2:]), x.t()[0].copy_(x[0, :3]), x)[-1], None, M)


def test_allowed_writes_to_expanded_views():
    """One row of an expanded view has no overlap; fill_ writes one value everywhere."""
    check_op(views_after(lambda x, vs: vs[0][0].fill_(1), lambda x: x[:1].expand(3, 4)), None, M)
    check_op(views_after(lambda x, vs: vs[0].fill_(2), lambda x: x[1:2].expand(3, 4)), None, M)
    check_op(views_after(lambda x, vs: vs[0].zero_(), lambda x: x[:, 1:2].expand(3, 5)), None, M)


# -- detach / clone / .data ----------------------------------------------------------------
def test_detach_shares_storage_clone_does_not():
    a = tjit.tensor(M.values, requires_grad=True)
    d = a.detach()
    d[0, 0] = 42.0
    assert a[0, 0].item() == 42.0 and not d.requires_grad
    c = a.clone()
    a.data.add_(1)
    assert a[0, 0].item() == 43.0 and c[0, 0].item() == 42.0


def test_data_setter_replaces_content():
    a, b = tjit.zeros(2, 2), tjit.ones(3)
    v = a[0]
    a.data = b
    assert a.shape == (3,) and a.sum().item() == 3.0 and v.sum().item() == 0.0


# -- numpy sharing -----------------------------------------------------------------------
def test_from_numpy_sees_inplace_writes():
    n = np.arange(6.0).reshape(2, 3)
    t = tjit.from_numpy(n)
    t.add_(1)
    t[1:, ::2].mul_(10)
    t[0, 1] = -1
    expect = np.arange(6.0).reshape(2, 3) + 1
    expect[1:, ::2] *= 10
    expect[0, 1] = -1
    np.testing.assert_array_equal(n, expect)
    np.testing.assert_array_equal(t.numpy(), expect)


def test_from_numpy_results_are_not_stale():
    """Results computed before an in-place write are not reused for the same expression after it."""
    n = np.arange(4.0)
    t = tjit.from_numpy(n)
    y = t * 2
    keep = y + 1  # keeps y's graph node alive
    y.realize()
    t.add_(1)
    np.testing.assert_array_equal((t * 2).numpy(), (np.arange(4.0) + 1) * 2)
    np.testing.assert_array_equal(keep.numpy(), np.arange(4.0) * 2 + 1)


def test_numpy_shares_memory_both_ways():
    t = tjit.arange(6.0).reshape(2, 3)
    a = t.numpy()
    t[0].add_(1)
    t.mul_(2)
    np.testing.assert_array_equal(a, (np.arange(6.0).reshape(2, 3) + [[1], [0]]) * 2)
    a[1, 1] = 100.0
    assert t[1, 1].item() == 100.0


def test_numpy_of_a_view_is_a_view():
    t = tjit.arange(12.0).reshape(3, 4)
    col = t[:, 1].numpy()
    assert col.strides == (16,)
    t.add_(1)
    np.testing.assert_array_equal(col, [2.0, 6.0, 10.0])
    t.t()[1].fill_(0)
    np.testing.assert_array_equal(col, [0.0, 0.0, 0.0])


def test_from_noncontiguous_numpy():
    n = np.arange(12.0).reshape(3, 4)[:, ::2]
    t = tjit.from_numpy(n)
    t.add_(1)
    np.testing.assert_array_equal(n, np.arange(12.0).reshape(3, 4)[:, ::2] + 1)


# -- how writes through views are lowered ---------------------------------------------------
BOX_WRITES = {
    "slices": lambda x: x[1:3, ::2].add_(1),
    "row": lambda x: x[2].fill_(0),
    "transposed_row": lambda x: x.t()[1].fill_(3),
    "flat_run": lambda x: x.view(-1)[3:9].mul_(2),
    "diagonal": lambda x: x.diagonal().zero_(),
    "full_view": lambda x: x.view(-1).neg_(),
    "setitem": lambda x: x.__setitem__((slice(None), slice(1, 4)), 1.0),
    "loop_of_rows": lambda x: [x[i].fill_(i) for i in range(4)],
}


@pytest.mark.parametrize("name", BOX_WRITES)
def test_box_writes_are_one_fused_kernel(name):
    """Slices, selects, permutes, diagonals and contiguous runs of the base: a WHERE over the
    padded value fuses with the base's computation into one elementwise kernel."""
    x = tjit.tensor(make((4, 5)).values) * 2
    BOX_WRITES[name](x)
    kernels = tjit.debug.schedule(x).kernels
    assert len(kernels) == 1 and "scatter" not in kernels[0].name, [k.name for k in kernels]
    check_op(lambda y: (y.mul_(2), BOX_WRITES[name](y), y)[2], None, make((4, 5)))


@pytest.mark.parametrize("view", [lambda x: x.as_strided((2, 2), (6, 1), 1),
                                  lambda x: x.reshape(10, 2)[1:7:3]], ids=["as_strided", "reshaped_rows"])
def test_other_writes_scatter(view):
    """Views that are not boxes of the base (in its shape or flattened) take the SCATTER path."""
    x = tjit.tensor(make((4, 5)).values) * 2
    view(x).fill_(-1)
    assert any("scatter" in k.name for k in tjit.debug.schedule(x).kernels)
    check_op(lambda y: (view(y).fill_(-1), y)[1], None, make((4, 5)))


def test_inplace_on_numpy_shared_tensor_keeps_pending_results():
    """A lazy result computed from the old value must not see the in-place update."""
    x = tjit.tensor([1.0, 2.0])
    arr = x.numpy()
    y = x * 2
    x.add_(1)
    assert y.tolist() == [2.0, 4.0] and arr.tolist() == [2.0, 3.0]


def test_numpy_of_a_copy_does_not_alias_the_source():
    b = tjit.tensor([1.0, 2.0])
    c = tjit.zeros(2)
    c.copy_(b)
    cn = c.numpy()
    c.add_(1)
    assert b.tolist() == [1.0, 2.0] and cn.tolist() == [2.0, 3.0]
