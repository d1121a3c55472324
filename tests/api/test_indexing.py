"""x[key] reads and writes, gather/scatter/index_* and the mask ops, against torch: values,
result layouts, views vs copies, and the errors torch raises (type and message)."""
import numpy as np
import pytest
import torch

import tjit
from helpers import check_op, make, noncontig

X = make((2, 3, 4))
Y = make((3, 4, 5, 2), seed=1)
XI = make((2, 3, 4), "int32", low=-20, high=20)
IDX = np.array([2, 0, -1])
MASK = make((2, 3), "bool", seed=3).values


def idx(*values, dtype=np.int64):
    return np.array(values, dtype=dtype)


# -- reading -----------------------------------------------------------------------------
BASIC = {
    "int": 1, "negative_int": -1, "slice": slice(1, None), "steps": (slice(None), slice(None, None, 2)),
    "start_step": (slice(1, None), slice(2, None, 3)), "negative_bounds": (slice(-2, None), slice(-3, -1)),
    "out_of_range_slice": slice(5, 10), "none": (slice(None), None), "ellipsis_int": (Ellipsis, 0),
    "int_ellipsis": (0, Ellipsis), "ellipsis_none": (Ellipsis, None),
    "mixed": (None, 1, Ellipsis, slice(None, None, 3)),
    "all_ints": (1, 2, 3), "empty_tuple": (), "ellipsis_only": Ellipsis, "two_ellipses": (Ellipsis, 0, Ellipsis),
    "python_true": True, "python_false": False, "true_after_int": (0, True),
}


@pytest.mark.parametrize("name", BASIC)
def test_basic_indexing(name):
    """Values, and that the result is a view with torch's strides."""
    key = BASIC[name]
    check_op(lambda x: x[key], None, X)
    if not isinstance(key, bool) and not (isinstance(key, tuple) and True in key):
        check_op(lambda x: (x[key].stride(), x[key].storage_offset()), None, X)


ADVANCED = {
    "list": [0, 2], "list_negative": [-1, 0, -1], "nested_list_is_tuple": [[0, 1], [1, 2]],
    "tuple_of_lists": ([0, 1], [2, 0]), "slice_then_list": (slice(None), [0, 2]),
    "adjacent": (slice(None), [0, 1], [1, 2]), "separated": ([0, 1], slice(None), [1, 2]),
    "broadcast": ([[0], [1]], slice(None), [1, 2, 3]), "int_then_list": (1, slice(None), [0, 3]),
    "list_then_int": ([0, 1], 1), "int_between_lists": ([0, 1], 1, [0, 2]), "empty_list": [],
    "none_and_list": (None, [0, 1]), "ellipsis_and_list": (Ellipsis, [0, 1]),
    "none_between_lists": ([0], None, [1]), "step_none_list": (slice(None, None, 2), None, [1, 0]),
    "bool_list": [True, False], "bool_list_mid": (slice(None), [True, False, True]),
    "bool_and_int_lists": ([0, 1], [True, False, True]),
}


@pytest.mark.parametrize("name", ADVANCED)
def test_advanced_indexing(name):
    key = ADVANCED[name]
    check_op(lambda x: x[key], None, X)


@pytest.mark.parametrize("key", [
    (slice(None), IDX), (Ellipsis, IDX[:2]), (IDX, slice(None), IDX.reshape(3, 1)), (slice(None), IDX, IDX),
    (0, slice(None), IDX), (slice(None), 0, slice(None), idx(1, 0)), (idx(0, 1), slice(None), idx(1, 2), slice(None)),
    (slice(None), idx(0, 1), slice(None), idx(1, 0)), (slice(None), idx(0, 1), idx(1, 2)), (slice(1, 3), IDX[:2]),
], ids=lambda k: str(len(k)))
def test_index_tensors(key):
    """Index tensors of several shapes and positions on a 4-d tensor: torch's result layout."""
    def fn(y, *tensors):
        given = iter(tensors)
        return y[tuple(next(given) if isinstance(k, np.ndarray) else k for k in key)]
    check_op(fn, None, Y, *(k for k in key if isinstance(k, np.ndarray)))


def test_index_tensor_dtypes():
    for dtype in (np.int64, np.int32, np.int16):
        check_op(lambda x, i: x[i], None, X, idx(1, 0, 1, dtype=dtype))
    check_op(lambda x, i: x[:, i], None, X, idx(2, 0, dtype=np.uint8))  # a byte tensor is a mask


def test_zero_dim_index_tensor_is_a_view():
    def write(x, i):
        x[i][0] = 100.0
        return x
    check_op(lambda x, i: x[i], None, X, np.array(1))
    check_op(write, None, X, np.array(1))


def test_masks():
    check_op(lambda x: x[x > 0], None, X)
    check_op(lambda x, m: x[m], None, X, MASK)
    check_op(lambda x, m: x[m[0]], None, X, MASK)
    check_op(lambda x, m: x[:, m[1]], None, X, MASK)
    check_op(lambda x, m: x[:, m[1], 1:], None, X, MASK)
    check_op(lambda x, m, i: x[m[:, 0], :, i], None, X, MASK, idx(1))
    check_op(lambda x, m: x[m[0] & False], None, X, MASK)
    check_op(lambda x: x.sum()[x.sum() > 0], None, X)


def test_indexing_noncontiguous_and_int():
    check_op(lambda x: (x[1:, ::2], x[..., [0, 2]], x[x > 3], x[[1, 0], :, 1]), None, noncontig(XI, "strided"))
    check_op(lambda x: (x[:, 1], x[[0, 1], [2, 0]]), None, noncontig(XI, "transposed"))


def test_advanced_results_are_copies():
    def write(x):
        x[[0, 1]].fill_(0)
        x[x > 0].fill_(0)
        return x
    check_op(write, None, X)


READ_ERRORS = {
    "int_out_of_range": (lambda x: x[2], IndexError, "index 2 is out of bounds for dimension 0 with size 2"),
    "negative_out_of_range": (lambda x: x[:, -4], IndexError, "index -4 is out of bounds for dimension 1 with size 3"),
    "too_many": (lambda x: x[0, 0, 0, 0], IndexError, "too many indices for tensor of dimension 3"),
    "list_out_of_range": (lambda x: x[:, [0, 3]], IndexError, "index 3 is out of bounds"),
    "tensor_out_of_range": (lambda x: x[np.array([-3])], IndexError, "index -3 is out of bounds"),
    "float_index": (lambda x: x[1.5], IndexError, "only integers, slices"),
    "string_index": (lambda x: x["a"], TypeError, "invalid data type 'str'"),
    "step_zero": (lambda x: x[::0], ValueError, "slice step cannot be zero"),
    "negative_step": (lambda x: x[::-1], ValueError, "step must be greater than zero"),
    "mask_shape": (lambda x: x[np.array([True, False, True])], IndexError, "The shape of the mask \\[3\\] at index 0"),
    "0d_int": (lambda x: x.sum()[0], IndexError, "invalid index of a 0-dim tensor"),
    "0d_slice": (lambda x: x.sum()[:], IndexError, ""),
    "broadcast": (lambda x: x[[0, 1], [0, 1, 2]], IndexError,
                  "shape mismatch: indexing tensors could not be broadcast"),
}


@pytest.mark.parametrize("name", READ_ERRORS)
def test_read_errors(name):
    """Raised at the call site, before anything is computed."""
    fn, exc, match = READ_ERRORS[name]
    j = tjit.tensor(X.values)
    with pytest.raises(exc, match=match):
        fn(j)
    with pytest.raises(exc):
        fn(torch.tensor(X.values))


def test_float_index_tensor_errors():
    check_op(lambda x, i: x[i], None, X, np.array([1.0]),
             match="tensors used as indices must be long, int, byte or bool")


# -- writing -----------------------------------------------------------------------------
def assign(key):
    def fn(x, value):
        x[key] = value
        return x
    return fn


WRITES = {
    "int_scalar": (0, 1.5), "negative_int": (-1, 2),
    "slices": ((slice(1, None), slice(None, None, 2)), make((1, 2, 4))),
    "broadcast_row": ((slice(None), 1), make((4,), seed=5)), "ellipsis": ((Ellipsis, 0), 5.0),
    "list": ([0, 1], 3.0), "list_tensor": ((slice(None), [0, 2]), make((2, 2, 4), seed=6)),
    "two_lists": (([0, 1], [1, 2]), make((4,), seed=7)),
    "separated": (([0, 1], slice(None), [1, 2]), make((2, 3), seed=8)),
    "separated_broadcast": (([0, 1], slice(None), [1, 2]), make((3,), seed=9)), "none": ((None, 0), 1.0),
    "int_values": (0, np.arange(4)), "leading_ones": (0, make((1, 1, 3, 4), seed=10)), "full": (slice(None), 0.0),
    "ellipsis_only": (Ellipsis, make((3, 4), seed=11)), "all_ints": ((1, 2, 3), np.array(9.0, np.float32)),
    "duplicate_indices": ([0, 0], make((2, 3, 4), seed=12)), "negative_list": ([-1], 7.0), "empty_list": ([], 1.0),
    "bool_list": ([True, False], 4.0), "python_true": (True, 2.0),
    "step_with_int": ((0, slice(None, None, 2)), make((1, 2), seed=13)),
    "int_between_lists": (([0, 1], 1, [0, 2]), make((2,), seed=14)),
}


@pytest.mark.parametrize("name", WRITES)
def test_index_assignment(name):
    key, value = WRITES[name]
    check_op(assign(key), None, X, value)


@pytest.mark.parametrize("name", ["slices", "list_tensor", "separated", "broadcast_row"])
def test_index_assignment_noncontiguous(name):
    key, value = WRITES[name]
    check_op(assign(key), None, noncontig(X, "strided"), value)


MASK_WRITES = {
    "scalar": (lambda x: x > 0, 0.0), "0d_value": (lambda x: x > 1, np.array(-1.0, np.float32)),
    "values": (lambda x: x > 2, None), "row_mask": (lambda x: x[:, :, 0] > 0, make((4,), seed=15)),
    "row_mask_values": (lambda x: x[:, :, 0] > 0, None),
    "row_mask_broadcast_one": (lambda x: x[:, :, 0] > 0, make((1, 4))),
    "after_slice": (lambda x: x[1:, :, 1] > 0, 3.0), "none_true": (lambda x: x > 100, 1.0),
}


@pytest.mark.parametrize("name", MASK_WRITES)
def test_mask_assignment(name):
    mask_of, value = MASK_WRITES[name]

    def fn(x, *v):
        m = mask_of(x)
        key = (slice(1, None), m) if name == "after_slice" else m
        x[key] = v[0] if v else x[key] * 10
        return x
    check_op(fn, None, X, *([] if value is None else [value]))


def test_mask_assignment_is_one_kernel():
    """A mask write whose value does not vary per element is a WHERE: no nonzero, no scatter."""
    x = tjit.tensor(X.values) + 1
    x[x > 2] = 0.0
    x[x[:, :, 0] > 0] = tjit.ones(4)
    kernels = tjit.debug.schedule(x).kernels
    assert len(kernels) == 1 and "scatter" not in kernels[0].name


def test_index_assignment_dtypes():
    """Numbers and basic-index writes cast; advanced-index writes need the same dtype, except
    a 0-d value under a mask (torch's masked_fill)."""
    check_op(assign(0), None, make((3, 4), "int64"), 2.7)
    check_op(assign((slice(None), 1)), None, make((3, 4), "bool"), 1)
    check_op(assign([0, 2]), None, make((3, 4), "int32"), 2.5)
    check_op(assign(1), None, make((3, 4), "int32"), make((4,), "float64"))
    check_op(lambda x, v: assign(x > 0)(x, v), None, make((3, 4), "int32"), np.array(1.5))
    check_op(assign([0, 2]), None, make((3, 4), "int32"), make((4,), "float64"), match="dtypes match, got Int")
    check_op(lambda x, v: assign(x[:, 0] > 0)(x, v), None, make((3, 4), "int32"), make((4,), "float64"),
             match="dtypes match")


def test_augmented_index_assignment():
    def fn(x):
        x[1:, ::2] += 1
        x[[0, 1]] *= 2
        x[x > 1] -= 1
        x[0][1] /= 4
        return x
    check_op(fn, None, X)


WRITE_ERRORS = {
    "shape": (slice(0, 2), make((3, 4)),
              "The expanded size of the tensor \\(2\\) must match the existing size \\(3\\)"),
    "shape_row": (0, make((2, 2)), "must match the existing size"),
    "advanced_shape": ([0, 1], make((3, 4)), "shape mismatch: value tensor of shape \\[3, 4\\] cannot be broadcast to "
                                             "indexing result of shape \\[2, 3, 4\\]"),
    "mask_values": (MASK, make((2,)), "shape mismatch: value tensor of shape \\[2\\]"),
    "out_of_range": (5, 1.0, "index 5 is out of bounds"),
    "list_out_of_range": ([0, 3], 1.0, "index 3 is out of bounds"),
}


@pytest.mark.parametrize("name", WRITE_ERRORS)
def test_write_errors(name):
    key, value, match = WRITE_ERRORS[name]
    check_op(assign(key), None, X, value, match=match)


# -- gather / scatter --------------------------------------------------------------------
GIDX = np.array([[0, 1, 3], [2, 2, 0]])
M = make((3, 4), seed=20)
SRC = make((2, 3), seed=21)

GATHER_SCATTER = {
    "gather": (lambda x, i: torch_or(x).gather(x, 1, i), (M, GIDX)),
    "gather_dim0": (lambda x, i: x.gather(0, i % 3), (M, GIDX)),
    "gather_int32_index": (lambda x, i: x.gather(1, i), (M, GIDX.astype(np.int32))),
    "gather_0d": (lambda x, i: x.gather(0, i), (make(()), np.array(0))),
    "gather_noncontig": (lambda x, i: x.gather(1, i), (noncontig(M), GIDX)),
    "scatter": (lambda x, i, s: x.scatter(1, i, s), (M, GIDX, SRC)),
    "scatter_value": (lambda x, i: x.scatter(1, i, -1.0), (M, GIDX)),
    "scatter_multiply": (lambda x, i, s: x.scatter(1, i, s, reduce="multiply"), (M, GIDX, SRC)),
    "scatter_add": (lambda x, i, s: x.scatter_add(1, i, s), (M, GIDX, SRC)),
    "scatter_add_duplicates": (lambda x, i, s: x.scatter_add(0, i, s),
                               (M, np.array([[0, 0, 0, 0], [0, 1, 0, 1]]), make((2, 4)))),
    "scatter_0d": (lambda x: x.scatter(0, np_t(x, 0), 5.0), (make(()),)),
    "scatter_larger_src": (lambda x, i, s: x.scatter(1, i, s), (M, GIDX, make((3, 5)))),
    "scatter_inplace_view": (lambda x, i, s: (x[1:].scatter_(1, i, s), x)[1], (M, GIDX, SRC)),
    "index_select": (lambda x, i: x.index_select(1, i), (M, np.array([3, 0, 3]))),
    "index_select_0d": (lambda x, i: x.index_select(0, i), (make(()), np.array(0))),
    "index_add": (lambda x, i, s: x.index_add(1, i, s, alpha=2), (M, np.array([0, 2, 0]), make((3, 3)))),
    "index_add_int32": (lambda x, i, s: x.index_add(0, i, s), (M, np.array([2, 2], np.int32), make((2, 4)))),
    "index_copy": (lambda x, i, s: x.index_copy(0, i, s), (M, np.array([2, 0]), make((2, 4)))),
    "index_fill": (lambda x, i: x.index_fill(1, i, -2.0), (M, np.array([1, 3]))),
    "index_fill_negative": (lambda x, i: x.index_fill(0, i, 7), (M, np.array([-1]))),
    "index_fill_tensor_value": (lambda x, i, v: x.index_fill(1, i, v),
                                (M, np.array([1, 3]), np.array(5.0, np.float32))),
    "index_add_": (lambda x, i, s: (x.index_add_(0, i, s), x)[1], (M, np.array([0, 2, 0]), make((3, 4)))),
    "index_copy_": (lambda x, i, s: (x.index_copy_(1, i, s), x)[1], (M, np.array([3]), make((3, 1)))),
    "index_fill_": (lambda x, i: (x.index_fill_(1, i, 0), x)[1], (M, np.array([0]))),
    "take": (lambda x, i: x.take(i), (M, np.array([[0, 11], [5, -1]]))),
    "take_along_dim": (lambda x, i: torch_or(x).take_along_dim(x, i, 1), (M, np.array([[0, 3], [1, -1], [2, 2]]))),
    "take_along_dim_broadcast": (lambda x, i: torch_or(x).take_along_dim(x, i, 1), (M, np.array([[0], [1], [2]]))),
    "take_along_dim_flat": (lambda x, i: torch_or(x).take_along_dim(x, i), (M, np.array([0, 5, 11]))),
    "put": (lambda x, i, s: x.put(i, s), (M, np.array([0, -1]), make((2,)))),
    "put_accumulate": (lambda x, i, s: x.put(i, s, accumulate=True), (M, np.array([1, 1]), make((2,)))),
    "put_": (lambda x, i, s: (x.put_(i, s), x)[1], (M, np.array([3, 4]), make((2,)))),
    "index_put": (lambda x, i, j, v: x.index_put((i, j), v, accumulate=True),
                  (M, np.array([0, 0]), np.array([1, 1]), make((2,)))),
    "index_put_": (lambda x, i, v: (x.index_put_((i,), v), x)[1], (M, np.array([0, 2]), np.array(0.0, np.float32))),
    "index_put_mask": (lambda x, v: x.index_put((x > 0,), v), (M, np.array(1.0, np.float32))),
    "index_put_mask_then_index": (lambda x, i, v: torch_or(x).index_put(x, (x[:, 0, 0] > 0, i), v),
                                  (make((3, 4, 2)), np.array([1]), make((2,)))),
}


def torch_or(x):
    """The library `x` belongs to."""
    return torch if isinstance(x, torch.Tensor) else tjit


def np_t(x, values):
    return torch_or(x).tensor(values)


@pytest.mark.parametrize("name", GATHER_SCATTER)
def test_gather_scatter(name):
    fn, inputs = GATHER_SCATTER[name]
    check_op(fn, None, *inputs)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce(reduce, include_self):
    check_op(lambda x, i, s: x.scatter_reduce(1, i, s, reduce, include_self=include_self), None, M, GIDX, SRC)
    check_op(lambda x, i, s: x.scatter_reduce(1, i, s, reduce, include_self=include_self), None,
             make((3, 4), "int64", low=-9, high=9), GIDX, make((2, 3), "int64", low=-9, high=9, seed=3))


GATHER_ERRORS = {
    "gather_negative": (lambda x: x.gather(1, np_t(x, [[-1]])), RuntimeError, "index -1 is out of bounds"),
    "gather_out_of_range": (lambda x: x.gather(1, np_t(x, [[4]])), RuntimeError, "index 4 is out of bounds"),
    "gather_float": (lambda x: x.gather(1, np_t(x, [[1.0]])), RuntimeError, "Expected dtype int32/int64 for index"),
    "gather_ndim": (lambda x: x.gather(1, np_t(x, [1])), RuntimeError, "same number of dimensions"),
    "gather_size": (lambda x: x.gather(1, np_t(x, [[0]] * 4)), RuntimeError, "Size does not match at dimension 0"),
    "scatter_negative": (lambda x: x.scatter(1, np_t(x, [[-1]]), 1.0), RuntimeError, "index -1 is out of bounds"),
    "scatter_dtype": (lambda x: x.scatter(1, np_t(x, [[0]]), x.long()), RuntimeError, "self.dtype to be equal to src"),
    "scatter_src_small": (lambda x: x.scatter(1, np_t(x, [[0, 1]]), x[:1, :1]), RuntimeError,
                          "no larger size than src"),
    "scatter_reduce_arg": (lambda x: x.scatter(1, np_t(x, [[0]]), x, reduce="sum"), RuntimeError, "add or multiply"),
    "scatter_reduce_name": (lambda x: x.scatter_reduce(1, np_t(x, [[0]]), x, "foo"), RuntimeError, "got foo"),
    "index_select_negative": (lambda x: x.index_select(0, np_t(x, [-1])), IndexError, "index out of range in self"),
    "index_select_float": (lambda x: x.index_select(0, np_t(x, [1.0])), RuntimeError, "int32 or int64"),
    "index_select_2d": (lambda x: x.index_select(0, np_t(x, [[1]])), IndexError, "supposed to be a vector"),
    "index_add_count": (lambda x: x.index_add(0, np_t(x, [1]), x[:2]), RuntimeError, "Number of indices \\(1\\)"),
    "index_add_shape": (lambda x: x.index_add(0, np_t(x, [1]), x[:1, :3]), RuntimeError, "source tensor shape"),
    "index_add_dtype": (lambda x: x.index_add(0, np_t(x, [1]), x[:1].long()), RuntimeError, "same scalar type"),
    "index_add_range": (lambda x: x.index_add(0, np_t(x, [3]), x[:1]), RuntimeError, "index 3 is out of bounds"),
    "index_copy_int32": (lambda x: x.index_copy(0, np_t(x, [1]).int(), x[:1]), RuntimeError, "Expected a long tensor"),
    "index_copy_range": (lambda x: x.index_copy(0, np_t(x, [-1]), x[:1]), IndexError, "index_copy_\\(\\): index -1"),
    "index_fill_int32": (lambda x: x.index_fill(0, np_t(x, [1]).int(), 1.0), IndexError, "Expected dtype int64"),
    "index_fill_value": (lambda x: x.index_fill(0, np_t(x, [1]), x[0]), RuntimeError, "0-dimensional value tensor"),
    "index_fill_range": (lambda x: x.index_fill(0, np_t(x, [3]), 1.0), IndexError, "index 3 is out of bounds"),
    "take_range": (lambda x: x.take(np_t(x, [-13])), IndexError, "tried to access index -13 on a tensor of 12"),
    "take_int32": (lambda x: x.take(np_t(x, [1]).int()), RuntimeError, "Expected a long tensor for index"),
    "put_range": (lambda x: x.put(np_t(x, [12]), x[0, :1]), IndexError, "tried to access index 12"),
    "put_count": (lambda x: x.put(np_t(x, [1, 2]), x[0, :1]), IndexError, "same number of elements"),
    "masked_select_mask": (lambda x: x.masked_select(np_t(x, [1, 0, 0, 1])), RuntimeError, "expected BoolTensor"),
    "masked_scatter_short": (lambda x: x.masked_scatter(x > -10, x[0]), RuntimeError, "Number of elements of source"),
    "masked_scatter_mask": (lambda x: x.masked_scatter(np_t(x, [1, 0, 0, 1]).byte(), x), RuntimeError, "boolean masks"),
    "index_put_none": (lambda x: x.index_put((None, np_t(x, [1])), x[0, 0]), TypeError, "expected Tensor as element 0"),
    "index_put_mask_shape": (lambda x: x.index_put_((x[:2] > 0,), x[0, 0]), IndexError, "shape of the mask \\[2, 4\\]"),
    "index_put_value": (lambda x: x.index_put_((np_t(x, [0, 1]),), x[0, :3]), RuntimeError, "shape mismatch"),
}


@pytest.mark.parametrize("name", GATHER_ERRORS)
def test_gather_scatter_errors(name):
    fn, exc, match = GATHER_ERRORS[name]
    with pytest.raises(exc):
        fn(torch.tensor(M.values))
    with pytest.raises(exc, match=match):
        fn(tjit.tensor(M.values))


# -- mask and data-dependent ops ---------------------------------------------------------
MASK_OPS = {
    "masked_select": (lambda x: x.masked_select(x > 0), (M,)),
    "masked_select_broadcast": (lambda x, m: torch_or(x).masked_select(x, m),
                                (M, np.array([True, False, False, True]))),
    "masked_scatter": (lambda x, s: x.masked_scatter(x > 0, s), (M, make((12,), seed=30))),
    "masked_scatter_broadcast": (lambda x, m, s: x.masked_scatter(m, s),
                                 (make((4,)), make((3, 4), "bool"), make((12,)))),
    "masked_scatter_": (lambda x, s: (x[1:].masked_scatter_(x[1:] > 0, s), x)[1], (M, make((8,), seed=31))),
    "masked_fill_view": (lambda x: (x[1:].masked_fill_(x[1:] > 0, 0), x)[1], (M,)),
    "nonzero": (lambda x: (x > 0).nonzero(), (X,)),
    "nonzero_tuple": (lambda x: torch_or(x).nonzero(x > 0, as_tuple=True), (X,)),
    "nonzero_0d": (lambda x: (x.sum() > -100).nonzero(), (M,)),
    "nonzero_0d_tuple": (lambda x: torch_or(x).nonzero(x.sum() > -100, as_tuple=True), (M,)),
    "nonzero_none": (lambda x: (x > 100).nonzero(), (M,)),
    "argwhere": (lambda x: torch_or(x).argwhere(x), (make((5,), "int64", low=-1, high=1),)),
    "where_condition_only": (lambda x: torch_or(x).where(x > 0), (M,)),
    "where": (lambda x: torch_or(x).where(x > 0, x, -x), (M,)),
}


@pytest.mark.parametrize("name", MASK_OPS)
def test_mask_ops(name):
    fn, inputs = MASK_OPS[name]
    check_op(fn, None, *inputs)


def test_nonzero_bool_and_int_inputs():
    check_op(lambda x: x.nonzero(), None, make((4, 3), "bool"))
    check_op(lambda x: x.nonzero(), None, make((2, 3, 2), "int8", low=-1, high=1))
