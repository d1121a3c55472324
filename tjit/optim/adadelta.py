"""Adadelta."""
from __future__ import annotations

from .optimizer import check, check_lr, fresh_full, Optimizer, scalar_state, _to_scalar

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """torch.optim.Adadelta."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_lr(lr)
        check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = scalar_state(0)
        state["square_avg"] = fresh_full(p, 0)
        state["acc_delta"] = fresh_full(p, 0)
        return list(state.values())

    def _update(self, p, grad, group):
        s = self._scalars_like(p)
        state = self.state[p]
        rho, eps = s("rho", group["rho"]), s("eps", group["eps"])
        self._count_step(state)
        if group["weight_decay"] != 0:
            grad = grad + p * s("weight_decay", group["weight_decay"])
        one_minus_rho = s("1-rho", 1 - group["rho"])
        square_avg = state["square_avg"] * rho + one_minus_rho * grad * grad
        delta = (state["acc_delta"] + eps).sqrt() / (square_avg + eps).sqrt() * grad
        self._write(state["square_avg"], square_avg)
        self._write(state["acc_delta"], state["acc_delta"] * rho + one_minus_rho * delta * delta)
        self._write(p, p + delta * s("-lr", -_to_scalar(group["lr"])))
