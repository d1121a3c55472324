"""What the op modules and the in-place machinery (Tensor._assign, view re-derivation)
tell autograd.

Ops record the tape per primitive, so a composite op (mean, softmax, linear, ...) labels
the grad_fn of its result with torch's name for the op (`grad_name`, `label`).

An in-place op computes its result out of place (recorded as usual), then `_assign` makes
it the tensor's new value and bumps the version counter.  These hooks give the tensor the
result's history (`x.mul_(2)` on a non-leaf: MulBackward0), refuse in-place writes to
leaves that require grad (unless grad mode is off, which is how optimizers update
parameters), and keep views' histories consistent with their base.
"""
from __future__ import annotations

import contextlib
import functools
import weakref

from . import state


def grad_name(name):
    """Decorator for a composite op: the grad_fn of its result (of the first result when it
    returns a tuple) shows torch's name for the op, `name` or `name(*args, **kwargs)` (None:
    keep the primitive's), instead of its last primitive's.  The gradient graph underneath
    stays the primitives'.  When nothing was recorded it costs one attribute read."""
    def decorate(fn):
        @functools.wraps(fn)
        def labeled(*args, **kwargs):
            out = fn(*args, **kwargs)
            value = out[0] if isinstance(out, tuple) else out
            if value._grad_fn is not None:
                label(value, name if type(name) is str else name(*args, **kwargs), args)
            return out
        return labeled
    return decorate


def dim_overload(op: str):
    """torch's numbering of sum/mean's overloads: op(x) is 0, op(x, dim) 1 (dim passed,
    even as None)."""
    return lambda input, *args, **kwargs: f"{op}Backward{int(bool(args) or 'dim' in kwargs)}"


def label(t, name, inputs=()):
    """t's grad_fn shows `name` (None: unchanged); a result that is one of the op's
    `inputs` returned as is (dropout in eval mode) keeps its own history's name."""
    g = t._grad_fn
    if g is None or name is None or any(getattr(a, "_grad_fn", None) is g for a in inputs):
        return t
    from .autograd.graph import rename
    return rename(t, name)


def check_inplace(tensor) -> None:
    """torch's errors for writing into a leaf that requires grad (or a view of one)."""
    if not state.mode.grad_enabled or not tensor.requires_grad:
        return
    base = tensor._base
    if base is None and tensor.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def rewriting_base(view, value):
    """Writing through a view rewrites its base (a recorded SCATTER).  Through a detached
    view (`x.detach()`, `p.data`) autograd must not see the write."""
    if view._base.requires_grad and not view.requires_grad and not value.requires_grad:
        from .autograd.grad_mode import no_grad
        return no_grad()
    return contextlib.nullcontext()


def after_inplace(tensor, value, new_base=None) -> None:
    """`tensor` now holds `value` (and, through a view, its base holds `new_base`): take
    over their histories."""
    if new_base is not None and new_base.requires_grad:
        from .autograd.graph import rename
        base = tensor._base
        base._grad_fn, base.requires_grad_flag = rename(new_base, "torch::autograd::CopySlices")._grad_fn, True
    if state.mode.grad_enabled and (value.requires_grad or tensor.requires_grad):
        _take_history(tensor, value)


def _take_history(tensor, value) -> None:
    from .autograd import graph
    if not value.requires_grad:  # overwritten by a constant: the old history gets zero
        fn = graph.FillBackward2(tensor)
    else:
        if value._grad_fn is None:  # a leaf was copied in: an identity step to its accumulator
            from ._prim import alias
            value = graph.rename(alias(value), "torch::autograd::CopyBackwards")
        fn = value._grad_fn
        fn.took_over(tensor)
    tensor._grad_fn, tensor._output_nr, tensor.requires_grad_flag = fn, value._output_nr, True
    if tensor._retains_grad:
        fn.own("_retain")[tensor._output_nr] = weakref.ref(tensor)


def view_rederived(view) -> None:
    """A view's base changed in place: the view's value is re-read from the new base, and
    so is its gradient (AsStridedBackward0 to the base's new history)."""
    base = view._base
    if view.requires_grad and base.requires_grad:
        from .autograd import graph
        from tjit.ir.ops import Op
        graph.record_view(view, base, Op.AS_STRIDED, view._view_meta)
