"""torch's type promotion: result_type over tensors with dimensions, 0-d tensors and Python
scalars for every dtype pair, promote_types, can_cast, and ops computing in the promoted type."""
import numpy as np
import pytest
import torch

import tjit
from helpers import ALL_DTYPES, check_op, make

SCALARS = [True, 3, -2, 2.5, 2 ** 40]


def _pair(lib, kind_a, dtype_a, kind_b, dtype_b):
    """Operands of the given kinds: 'tensor' (1-d), 'zero_dim' (0-d) or a Python scalar."""
    def operand(kind, d):
        if kind == "scalar":
            return d
        shape = (2,) if kind == "tensor" else ()
        return lib.zeros(shape, dtype=getattr(lib, d))
    return operand(kind_a, dtype_a), operand(kind_b, dtype_b)


def _mismatches(kind_a, dtype_a, kind_b, others):
    bad = []
    for b in others:
        want = torch.result_type(*_pair(torch, kind_a, dtype_a, kind_b, b))
        got = tjit.result_type(*_pair(tjit, kind_a, dtype_a, kind_b, b))
        if got.name != str(want).removeprefix("torch."):
            bad.append(f"{kind_a} {dtype_a} with {kind_b} {b}: tjit {got.name}, torch {want}")
    return bad


@pytest.mark.parametrize("kinds", [("tensor", "tensor"), ("tensor", "zero_dim"), ("zero_dim", "tensor"),
                                   ("zero_dim", "zero_dim")])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_result_type_tensor_pairs(dtype, kinds):
    """Every dtype pair: a 0-d tensor only matters when it is of a higher category."""
    assert _mismatches(kinds[0], dtype, kinds[1], ALL_DTYPES) == []


@pytest.mark.parametrize("kind", ["tensor", "zero_dim"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_result_type_with_scalars(dtype, kind):
    """Python bool/int/float scalars, on either side."""
    assert _mismatches(kind, dtype, "scalar", SCALARS) == []
    bad = []
    for s in SCALARS:
        want = torch.result_type(s, torch.zeros((2,) if kind == "tensor" else (), dtype=getattr(torch, dtype)))
        got = tjit.result_type(s, tjit.zeros((2,) if kind == "tensor" else (), dtype=getattr(tjit, dtype)))
        if got.name != str(want).removeprefix("torch."):
            bad.append(f"{s!r} with {kind} {dtype}: tjit {got.name}, torch {want}")
    assert bad == []


def test_result_type_of_two_scalars():
    for a in SCALARS:
        for b in SCALARS:
            assert tjit.result_type(a, b).name == str(torch.result_type(a, b)).removeprefix("torch.")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_promote_types_and_can_cast(dtype):
    for other in ALL_DTYPES:
        a, b = getattr(torch, dtype), getattr(torch, other)
        ja, jb = getattr(tjit, dtype), getattr(tjit, other)
        assert tjit.promote_types(ja, jb).name == str(torch.promote_types(a, b)).removeprefix("torch.")
        assert tjit.can_cast(ja, jb) == torch.can_cast(a, b), (dtype, other)


# -- ops compute in the promoted type ----------------------------------------------------------------
PAIRS = [("uint8", "int8"), ("int8", "int16"), ("int32", "int64"), ("bool", "uint8"), ("float16", "bfloat16"),
         ("int64", "float16"), ("uint8", "bfloat16"), ("float32", "float64"), ("bool", "float32"), ("int16", "float32")]


@pytest.mark.parametrize("a, b", PAIRS)
def test_ops_compute_in_promoted_type(a, b):
    """Values that differ between the two input types (wrap-around, rounding) show which type
    the op computed in."""
    x, y = make((3, 4), a, low=-100, high=200), make((4,), b, low=-100, high=200, seed=1)
    check_op("add", None, x, y)
    check_op("mul", None, make((), a, low=50, high=120), y)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "float16", "bfloat16", "bool"])
def test_scalars_keep_tensor_type(dtype):
    """A Python scalar of the same category never widens a tensor (uint8 - 1000 wraps)."""
    x = make((5,), dtype, low=0, high=100)
    for fn in [lambda t: t + 1000, lambda t: t * 2.5, lambda t: t - True, lambda t: t + 2 ** 40, lambda t: t < 1000]:
        check_op(fn, None, x)


def test_zero_dim_tensors_promote_like_scalars():
    check_op("add", None, make((3,), "int8"), np.array(1000, dtype=np.int64))
    check_op("add", None, make((3,), "float16"), np.array(1e-4, dtype=np.float64))
    check_op("add", None, make((3,), "int32"), np.array(0.5, dtype=np.float64))
    check_op("mul", None, np.array(3, dtype=np.int64), np.array(0.5, dtype=np.float16))


def test_three_operand_promotion():
    """where/clamp/addcmul promote all operands together, tier by tier."""
    cond = make((3,), "bool")
    check_op("where", None, cond, make((3,), "int8"), np.array(2.5))
    check_op("where", None, cond, np.array(7, np.int64), make((3,), "uint8"))
    check_op("clamp", None, make((3,), "int16"), np.array(1, np.int64), np.array(3.5))
    check_op("addcmul", None, make((3,), "int32"), make((3,), "uint8"), np.array(0.5, np.float16))
