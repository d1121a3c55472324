"""Gradient clearing shared by Module.zero_grad and Optimizer.zero_grad (torch's semantics)."""
from __future__ import annotations


def zero_grads(params, set_to_none: bool = True) -> None:
    """Drop (or zero in place) the .grad of each tensor in `params`; a zeroed grad is first
    detached from any graph it was part of, as torch does."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()
