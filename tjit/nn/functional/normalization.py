"""Normalization: batch, instance, layer, group, RMS and local response norms.  Statistics
are reductions over the normalized axes; the normalization and affine transform fuse into
one elementwise epilogue.  Running statistics are updated in place without gradient."""
from __future__ import annotations

from ...autograd_hooks import grad_name
from ..modules.utils import no_grad
from ._base import P, R, S, cast


def _channel_shape(x, n_features):
    return (1, n_features) + (1,) * (x.ndim - 2)


def _normalize(x, mean, var, eps, weight, bias, shape):
    out = (x - mean) * P.rsqrt(var + eps)
    if weight is not None:
        out = out * S.reshape(weight, shape)
    if bias is not None:
        out = out + S.reshape(bias, shape)
    return out


def _update_running(running, batch_value, momentum):
    """running <- (1 - momentum) * running + momentum * batch_value, in place."""
    with no_grad():
        running._assign(running * (1 - momentum) + cast(batch_value.detach(), running.dtype) * momentum)


def _check_batch_size(x, axes):
    size = 1
    for a in axes:
        size *= x.shape[a]
    if size == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.shape}")


@grad_name("NativeBatchNormBackward0")
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalize over every axis but the channel axis (1): batch statistics when training
    (and then the running statistics move toward them), running statistics otherwise."""
    if input.ndim < 2:
        raise ValueError(f"Expected 2D or more input (got {input.ndim}D input)")
    channels = input.shape[1]
    shape = _channel_shape(input, channels)
    axes = (0,) + tuple(range(2, input.ndim))
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    if training:
        _check_batch_size(input, axes)
        mean = R.mean(input, axes, keepdim=True)
        var = R.mean((input - mean) * (input - mean), axes, keepdim=True)
        if running_mean is not None:
            _update_running(running_mean, S.reshape(mean, (channels,)), momentum)
        if running_var is not None:
            n = input.numel() // channels
            _update_running(running_var, S.reshape(var, (channels,)) * (n / max(n - 1, 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        mean, var = S.reshape(running_mean, shape), S.reshape(running_var, shape)
    return _normalize(input, mean, var, eps, weight, bias, shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalize each (sample, channel) plane over its spatial axes."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or more input (got {input.ndim}D input)")
    channels = input.shape[1]
    shape = _channel_shape(input, channels)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    axes = tuple(range(2, input.ndim))
    _check_batch_size(input, axes)
    mean = R.mean(input, axes, keepdim=True)
    var = R.mean((input - mean) * (input - mean), axes, keepdim=True)
    if running_mean is not None:
        _update_running(running_mean, R.mean(S.reshape(mean, input.shape[:2]), 0), momentum)
    if running_var is not None:
        n = input.numel() // (input.shape[0] * channels)
        unbiased = S.reshape(var, input.shape[:2]) * (n / max(n - 1, 1))
        _update_running(running_var, R.mean(unbiased, 0), momentum)
    return _normalize(input, mean, var, eps, weight, bias, shape)


@grad_name("NativeLayerNormBackward0")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing `normalized_shape` axes."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    n = len(normalized_shape)
    if tuple(input.shape[input.ndim - n:]) != normalized_shape or input.ndim < n:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    axes = tuple(range(input.ndim - n, input.ndim))
    mean = R.mean(input, axes, keepdim=True)
    var = R.mean((input - mean) * (input - mean), axes, keepdim=True)
    return _normalize(input, mean, var, eps, weight, bias, normalized_shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    if eps is None:
        eps = {"float64": 2.220446049250313e-16, "float16": 0.0009765625,
               "bfloat16": 0.0078125}.get(input.dtype.name, 1.1920928955078125e-07)
    out = input * P.rsqrt(R.mean(input * input, axes, keepdim=True) + eps)
    return out * weight if weight is not None else out


@grad_name("NativeGroupNormBackward0")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize each group of channels of each sample together."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    batch, channels = input.shape[:2]
    if channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    grouped = S.reshape(input, (batch, num_groups, -1))
    mean = R.mean(grouped, 2, keepdim=True)
    var = R.mean((grouped - mean) * (grouped - mean), 2, keepdim=True)
    out = S.reshape((grouped - mean) * P.rsqrt(var + eps), tuple(input.shape))
    shape = _channel_shape(input, channels)
    if weight is not None:
        out = out * S.reshape(weight, shape)
    if bias is not None:
        out = out + S.reshape(bias, shape)
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    from .padding import constant_pad
    from .pooling import avg_pool2d, avg_pool3d
    sq = S.unsqueeze(input * input, 1)
    if input.ndim == 3:
        div = constant_pad(sq, [(0, 0), (0, 0), (size // 2, (size - 1) // 2), (0, 0)])
        div = S.squeeze(avg_pool2d(div, (size, 1), stride=1), 1)
    else:
        shape = tuple(input.shape)
        div = S.reshape(sq, (shape[0], 1, shape[1], shape[2], -1))
        div = constant_pad(div, [(0, 0), (0, 0), (size // 2, (size - 1) // 2), (0, 0), (0, 0)])
        div = S.reshape(S.squeeze(avg_pool3d(div, (size, 1, 1), stride=1), 1), shape)
    return input / P.pow(div * alpha + k, beta)

