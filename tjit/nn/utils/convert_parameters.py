"""parameters_to_vector / vector_to_parameters."""
from __future__ import annotations

from ..._tensor import Tensor
from ...ops import shape as S
from ..modules.utils import no_grad


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and concatenated."""
    return S.cat([S.reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of `vec` into the parameters (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.data = S.reshape(vec[offset:offset + n], tuple(p.shape)).detach()
            offset += n
