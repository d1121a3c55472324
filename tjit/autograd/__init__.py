"""tjit.autograd: reverse-mode automatic differentiation with torch's API.

Ops record a tape at the tensor level (tjit._prim calls `graph.record` for every primitive
whose inputs require grad); `backward()` / `grad()` walk it back and apply the per-primitive
rules of ir/autodiff.  Gradients are lazy graph nodes: the backward pass is scheduled and
fused like the forward pass, and with create_graph=True it is itself recorded, so gradients
of gradients need nothing extra.
"""
from __future__ import annotations

from .. import _prim
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import graph

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "gradcheck",
           "gradgradcheck", "GradcheckError", "graph", "Variable", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def Variable(data, requires_grad=False, volatile=False):
    """The pre-0.4 wrapper: now a tensor is its own Variable."""
    return data.requires_grad_(requires_grad) if requires_grad else data


_prim.record = graph.record
