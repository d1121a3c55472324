"""Dropout family: a counter-based random mask computed inside the consuming kernel."""
from __future__ import annotations

import math
import warnings

from ._base import C, cast, const, inplace_result


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, dtype):
    return cast(C.rand(tuple(shape)) >= p, dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return inplace_result(input, input * const(0, input.dtype), inplace)
    return inplace_result(input, input * _keep_mask(input.shape, p, input.dtype) * (1.0 / (1.0 - p)), inplace)


def _feature_shape(input, batched_ndim: int, name: str):
    """Masks drop whole channels: (N, C, 1, ...) or, unbatched, (C, 1, ...)."""
    if input.ndim not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, but received a "
                           f"{input.ndim}D input. Note that {name} exists to provide channel-wise dropout on inputs "
                           f"with {batched_ndim - 2} spatial dimensions, a channel dimension, and an optional batch "
                           "dimension (i.e. " + f"{batched_ndim - 1}D or {batched_ndim}D inputs).")
    lead = 2 if input.ndim == batched_ndim else 1
    return tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)


def _feature_dropout(input, p, training, inplace, shape):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return inplace_result(input, input * const(0, input.dtype), inplace)
    return inplace_result(input, input * _keep_mask(shape, p, input.dtype) * (1.0 / (1.0 - p)), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, _feature_shape(input, 3, "dropout1d"))


def dropout2d(input, p=0.5, training=True, inplace=False):
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
        return _feature_dropout(input, p, training, inplace, tuple(input.shape[:2]) + (1,))
    return _feature_dropout(input, p, training, inplace, _feature_shape(input, 4, "dropout2d"))


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, _feature_shape(input, 5, "dropout3d"))


_ALPHA = 1.7580993408473766  # -SELU scale * alpha: the value dropped units saturate to


def _alpha_dropout(input, p, training, inplace, shape):
    """Dropout that keeps SELU's self-normalizing mean and variance (torch's formula)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return inplace_result(input, input * const(0, input.dtype), inplace)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    keep = _keep_mask(shape, p, input.dtype)
    b = (keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p
    return inplace_result(input, input * (keep * a) + b, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha_dropout(input, p, training, inplace, shape)
