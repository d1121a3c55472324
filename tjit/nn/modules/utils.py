"""Small helpers the layers share: argument tuples, grad mode, torch's type names."""
from __future__ import annotations

import collections.abc
from itertools import repeat

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad  # noqa: F401  (parameter updates are not recorded)


def _ntuple(n, name="parse"):
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n):
    """(a, b) -> (b, b, a, a) for n=2: conv padding in F.pad's last-dim-first order."""
    return tuple(x for x in reversed(t) for _ in range(n))


def _list_with_default(out_size, defaults):
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size):])]


def typename(obj) -> str:
    """torch.typename: 'torch.FloatTensor' for tensors, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    qual = type(obj).__qualname__
    return qual if module in ("builtins", "__builtin__", None) else f"{module}.{qual}"


def weight_and_bias(module, weight_shape: tuple, bias_size: int, bias: bool, dtype, device) -> None:
    """`module.weight` of `weight_shape` and `module.bias` (or a registered None), both
    uninitialised: the layer's reset_parameters fills them."""
    from ...ops.creation import empty
    from ..parameter import Parameter
    module.weight = Parameter(empty(tuple(weight_shape), dtype=dtype, device=device))
    if bias:
        module.bias = Parameter(empty(bias_size, dtype=dtype, device=device))
    else:
        module.register_parameter("bias", None)


def reset_fan_in(weight, bias) -> None:
    """torch's default for Linear and convolutions: kaiming-uniform weight (a = sqrt(5)) and
    a bias uniform in +-1/sqrt(fan_in)."""
    import math

    from .. import init
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
