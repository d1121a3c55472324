"""What the functional modules share: the op modules, in-place results, reductions."""
from __future__ import annotations

import warnings

from ... import state
from ..._prim import apply, cast, const, expand_to  # noqa: F401  (shared by the functional modules)
from ..._tensor import Tensor
from ...ir import dtype as dt
from ...ir.ops import Op
from ...ops import creation as C, indexing as I, linalg as L, pointwise as P, reduction as R, shape as S  # noqa: F401


def inplace_result(input: Tensor, result: Tensor, inplace: bool) -> Tensor:
    """`inplace=True`: write the result into `input` (torch's in-place activations)."""
    return input._assign(result) if inplace else result


def iota(shape, axis: int, dtype=dt.int64) -> Tensor:
    """Index along `axis` as a tensor of `shape`: a computed value, never materialized."""
    from ...ir.graph import node
    return Tensor._from_node(node(Op.IOTA, (), dtype, tuple(shape), axis))


def gather_dim(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """x[..., index[...], ...] along `dim` for an index built in range by construction (no
    host bounds check, so it stays lazy and fuses): index has x's shape except at `dim`."""
    return apply(Op.GATHER, [x, cast(index, dt.int64)], x.dtype, tuple(index.shape), dim)


def float_input(x: Tensor) -> Tensor:
    return x if x.dtype.kind == "f" else cast(x, state.default_dtype)


def not_differentiable(fn_name: str, arg_name: str, t) -> None:
    """torch refuses gradients for some arguments (loss weights, some targets) outright."""
    if t is not None and state.mode.grad_enabled and t.requires_grad:
        raise RuntimeError(f"The function '{fn_name}' is not differentiable with respect to argument '{arg_name}'. "
                           "This input cannot have requires_grad True.")


_REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average, reduce, emit_warning: bool = True) -> str:
    """torch's mapping of the deprecated size_average/reduce flags to `reduction`."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=3)
    return ret


def pick_reduction(reduction: str, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    return loss
