"""Loss functions, with torch's `reduction=` and the deprecated size_average/reduce flags.

Class-index losses pick the target's entry with a compare-and-sum over the class axis
rather than a gather: it fuses with the log-softmax and needs no bounds-checked index.
"""
from __future__ import annotations

import math
import warnings

from ...autograd_hooks import grad_name
from ._base import P, R, S, cast, const, dt, expand_to, iota, not_differentiable, pick_reduction, reduce_loss
from .activation import log_softmax, logsigmoid
from .distance import pairwise_distance
from ..._prim import broadcast_shapes


def _size_warning(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _weighted(loss, weight, reduction, input):
    """l1/mse with elementwise weights: mean divides by the weights' sum."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    w = loss * weight
    if reduction == "mean":
        return R.sum(w) / R.sum(weight)
    return reduce_loss(w, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _size_warning(input, target)
    reduction = pick_reduction(reduction, size_average, reduce)
    loss = P.abs(input - target)
    return _weighted(loss, weight, reduction, input) if weight is not None else reduce_loss(loss, reduction)


@grad_name(lambda input, target, *args, weight=None, **_: None if weight is not None else "MseLossBackward0")
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _size_warning(input, target)
    reduction = pick_reduction(reduction, size_average, reduce)
    d = input - target
    loss = d * d
    return _weighted(loss, weight, reduction, input) if weight is not None else reduce_loss(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _size_warning(input, target)
    reduction = pick_reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    z = P.abs(input - target)
    if beta == 0.0:
        return reduce_loss(z, reduction)
    return reduce_loss(P.where(z < beta, z * z * (0.5 / beta), z - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _size_warning(input, target)
    pick_reduction(reduction)
    z = P.abs(input - target)
    loss = P.where(z < delta, z * z * 0.5, (z - 0.5 * delta) * delta)
    return _weighted(loss, weight, reduction, input) if weight is not None else reduce_loss(loss, reduction)


def _clamped_log(x):
    return P.clamp_min(P.log(x), -100.0)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)), logs clamped at -100 as torch does."""
    reduction = pick_reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         "is deprecated. Please ensure they have the same size.")
    not_differentiable("binary_cross_entropy", "weight", weight)
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    if weight is not None:
        loss = loss * expand_to(weight, broadcast_shapes(target.shape, weight.shape))
    return reduce_loss(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """BCE on logits in the stable form (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0))."""
    reduction = pick_reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    softplus_neg = P.log1p(P.exp(-P.abs(input))) + P.clamp_min(-input, 0)
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = pick_reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = P.exp(target) * (target - input)
    else:
        loss = P.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return R.sum(loss) / input.shape[0] if input.ndim else R.sum(loss)
    return reduce_loss(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    loss = P.exp(input) - target * input if log_input else input - target * P.log(input + eps)
    if full:
        stirling = target * P.log(target) - target + P.log(target * (2 * math.pi)) * 0.5
        loss = loss + P.where(target > 1, stirling, const(0, stirling.dtype))
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = const(var, input.dtype, tuple(input.shape))
    elif bool(R.any(var < 0)):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = S.unsqueeze(var, -1)
        elif not (input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    v = P.clamp_min(var.detach(), eps) - var.detach() + var  # clamped value, gradient of var
    d = input - target
    loss = (P.log(v) + d * d / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)


# -- class-index losses ------------------------------------------------------------------
def _class_layout(input, target):
    """Check shapes and return the class axis (1, or 0 for unbatched input)."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported")
        return 0
    if input.shape[0] != (target.shape[0] if target.ndim else 1):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: {list(target.shape)})")
    return 1


def _check_targets(target, n_classes, ignore_index):
    """torch reports out-of-range class indices; checked on the host when the target is
    data already (a computed target is not realized just for the check)."""
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name}")
    if not target._node.realized or target.numel() == 0:
        return
    vals = target.detach()._values()
    bad = vals[(vals != ignore_index) & ((vals < 0) | (vals >= n_classes))]
    if bad.size:
        raise IndexError(f"Target {int(bad[0])} is out of bounds.")


def _pick(x, target, axis):
    """x[.., target, ..] along the class axis, as a fused compare-and-sum."""
    t = S.unsqueeze(target, axis)
    hit = iota(tuple(x.shape), axis) == t
    return R.sum(P.where(hit, x, const(0, x.dtype)), axis)


def _class_weight(weight, target, axis, ndim, dtype):
    """weight[target] for every target position."""
    shape = [1] * ndim
    shape[axis] = weight.shape[0]
    full = expand_to(S.reshape(cast(weight, dtype), tuple(shape)),
                     tuple(target.shape[:axis]) + (weight.shape[0],) + tuple(target.shape[axis:]))
    return _pick(full, target, axis)


@grad_name(lambda input, *args, **_: "NllLossBackward0" if input.ndim <= 2 else "NllLoss2DBackward0")
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    axis = _class_layout(input, target)
    n_classes = input.shape[axis]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    not_differentiable("nll_loss_forward" if input.ndim <= 2 else "nll_loss2d_forward", "weight", weight)
    _check_targets(target, n_classes, ignore_index)
    keep = cast(target != ignore_index, input.dtype)
    w = keep if weight is None else _class_weight(weight, target, axis, input.ndim, input.dtype) * keep
    loss = -_pick(input, target, axis) * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return R.sum(loss)
    return R.sum(loss) / R.sum(w)


def _smoothing_term(logp, target, weight, axis, ignore_index, reduction):
    """The uniform-target part of label-smoothed cross entropy (torch's formula)."""
    keep = target != ignore_index
    if weight is not None:
        shape = [1] * logp.ndim
        shape[axis] = weight.shape[0]
        smooth = -R.sum(logp * S.reshape(weight, tuple(shape)), axis)
    else:
        smooth = -R.sum(logp, axis)
    smooth = P.where(keep, smooth, const(0, smooth.dtype))
    if reduction == "none":
        return smooth
    if reduction == "sum":
        return R.sum(smooth)
    if weight is not None:
        wt = _class_weight(weight, target, axis, logp.ndim, logp.dtype) * cast(keep, logp.dtype)
        return R.sum(smooth) / R.sum(wt)
    return R.sum(smooth) / R.sum(cast(keep, logp.dtype))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax + nll_loss for class indices; -sum(p log q) for class probabilities."""
    reduction = pick_reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    axis = 0 if input.ndim == 1 else 1
    n_classes = input.shape[axis]
    logp = log_softmax(input, axis)
    if target.dtype.kind == "f":
        return _cross_entropy_probs(logp, target, weight, axis, n_classes, reduction, label_smoothing)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    smooth = _smoothing_term(logp, target, weight, axis, ignore_index, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _cross_entropy_probs(logp, target, weight, axis, n_classes, reduction, label_smoothing):
    if tuple(target.shape) != tuple(logp.shape):
        raise RuntimeError(f"Expected target size {list(logp.shape)}, got {list(target.shape)}")
    t = target * (1 - label_smoothing) + label_smoothing / n_classes if label_smoothing > 0 else target
    prod = logp * t
    if weight is not None:
        shape = [1] * logp.ndim
        shape[axis] = weight.shape[0]
        prod = prod * S.reshape(weight, tuple(shape))
    if reduction == "none":
        return -R.sum(prod, axis)
    if reduction == "sum":
        return -R.sum(prod)
    if logp.numel() == 0:
        return -R.sum(prod) * float("nan")
    return -R.sum(prod) / (logp.numel() // n_classes)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return reduce_loss(P.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    zero = const(0, input.dtype)
    from_margin = P.where(target != 1, P.clamp_min(margin - input, 0), zero)
    from_self = P.where(target != -1, input, zero)
    return reduce_loss(from_margin + from_self, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    not_differentiable("soft_margin_loss", "target", target)
    return reduce_loss(P.log1p(P.exp(-input * target)), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    return reduce_loss(R.sum(loss, class_dim) / input.shape[class_dim], reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(f"{target.ndim}D target tensor expects {want}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    d = target.ndim
    eps = 1e-12
    prod = R.sum(input1 * input2, d)
    denom = P.sqrt((R.sum(input1 * input1, d) + eps) * (R.sum(input2 * input2, d) + eps))
    cos = prod / denom
    zero = const(0, cos.dtype)
    pos = P.where(target == 1, 1 - cos, zero)
    neg = P.where(target == -1, P.clamp_min(cos - margin, 0), zero)
    return reduce_loss(pos + neg, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """sum over i != y of max(0, margin - x[y] + x[i])^p (times weight[y]) / C."""
    reduction = pick_reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    not_differentiable("multi_margin_loss", "weight", weight)
    x = input if input.ndim == 2 else S.reshape(input, (1, -1))
    t = S.reshape(target, (-1,))
    n_classes = x.shape[1]
    _check_targets(t, n_classes, -1 << 62)
    x_y = S.unsqueeze(_pick(x, t, 1), 1)
    z = P.clamp_min(x - x_y + margin, 0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * S.unsqueeze(_class_weight(weight, t, 1, 2, x.dtype), 1)
    not_target = iota(tuple(x.shape), 1) != S.unsqueeze(t, 1)
    loss = R.sum(P.where(not_target, z, const(0, z.dtype)), 1) / n_classes
    if input.ndim < 2:
        loss = S.reshape(loss, tuple(target.shape))
    return reduce_loss(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Targets are class indices, ended by the first -1; every (target j, non-target i)
    pair adds max(0, 1 - (x[j] - x[i])) / C."""
    reduction = pick_reduction(reduction, size_average, reduce)
    x = input if input.ndim == 2 else S.reshape(input, (1, -1))
    t = target if target.ndim == 2 else S.reshape(target, (1, -1))
    n, c = x.shape
    valid = R.cumprod(cast(t >= 0, dt.int64), 1) > 0              # (n, k): before the first -1
    safe_t = P.where(valid, t, const(0, t.dtype))
    hit = (S.unsqueeze(safe_t, 2) == iota((n, t.shape[1], c), 2)) & S.unsqueeze(valid, 2)
    is_target = R.any(hit, 1)                                      # (n, c)
    x_t = S.unsqueeze(_pick(expand_to(S.unsqueeze(x, 1), (n, t.shape[1], c)), safe_t, 2), 2)  # (n, k, 1)
    z = P.clamp_min(1 - x_t + S.unsqueeze(x, 1), 0)               # (n, k, c)
    use = S.unsqueeze(valid, 2) & S.unsqueeze(~is_target, 1)
    loss = R.sum(P.where(use, z, const(0, z.dtype)), (1, 2)) / c
    if input.ndim < 2:
        loss = S.reshape(loss, ())
    return reduce_loss(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    reduction = pick_reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = P.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return reduce_loss(P.clamp_min(margin + d_pos - d_neg, 0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = P.minimum(d_neg, dist(positive, negative))
    return reduce_loss(P.clamp_min(margin + d_pos - d_neg, 0), pick_reduction(reduction))
