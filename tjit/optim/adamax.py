"""Adamax: Adam with the infinity norm."""
from __future__ import annotations

from .optimizer import check, check_lr, fresh_full, lerp, Optimizer, scalar_state, _to_scalar

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """torch.optim.Adamax."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = scalar_state(0)
        state["exp_avg"] = fresh_full(p, 0)
        state["exp_inf"] = fresh_full(p, 0)
        return list(state.values())

    def _update(self, p, grad, group):
        s = self._scalars_like(p)
        state = self.state[p]
        beta1, beta2 = group["betas"]
        step = self._count_step(state)
        if group["weight_decay"] != 0:
            grad = grad + p * s("weight_decay", group["weight_decay"])
        exp_avg = lerp(state["exp_avg"], grad, 1 - beta1, s, "1-beta1")
        exp_inf = (state["exp_inf"] * s("beta2", beta2)).maximum(grad.abs() + s("eps", group["eps"]))
        self._write(state["exp_avg"], exp_avg)
        self._write(state["exp_inf"], exp_inf)
        neg_clr = self._over("-clr", -_to_scalar(group["lr"]), 1 - beta1 ** step, p.dtype)
        self._write(p, p + neg_clr * exp_avg / exp_inf)
