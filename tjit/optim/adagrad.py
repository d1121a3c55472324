"""Adagrad, with learning-rate decay and an initial accumulator value."""
from __future__ import annotations

from ..api import realize
from .optimizer import check, check_lr, fresh_full, Optimizer, scalar_state, _to_scalar

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """torch.optim.Adagrad.  Like torch's, its state exists from construction on."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check(0.0 <= initial_accumulator_value,
              f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        realize(*(t for g in self.param_groups for p in g["params"] for t in self._init_state(p, g)))

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = scalar_state(0)
        state["sum"] = fresh_full(p, self.defaults["initial_accumulator_value"])
        return list(state.values())

    def _update(self, p, grad, group):
        s = self._scalars_like(p)
        state = self.state[p]
        step = self._count_step(state)
        if group["weight_decay"] != 0:
            grad = grad + p * s("weight_decay", group["weight_decay"])
        neg_clr = self._over("-clr", -_to_scalar(group["lr"]), 1 + (step - 1) * group["lr_decay"], p.dtype)
        state_sum = state["sum"] + grad * grad
        self._write(state["sum"], state_sum)
        self._write(p, p + neg_clr * grad / (state_sum.sqrt() + s("eps", group["eps"])))
