"""Rprop: resilient backpropagation (sign-based steps with per-element step sizes)."""
from __future__ import annotations

from ..ops.pointwise import where
from .optimizer import check, check_lr, fresh_full, Optimizer, scalar_state, _to_scalar

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """torch.optim.Rprop."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        check_lr(lr)
        check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = scalar_state(0)
        state["prev"] = fresh_full(p, 0)
        state["step_size"] = fresh_full(p, _to_scalar(group["lr"]))
        return list(state.values())

    def _update(self, p, grad, group):
        """Where the gradient kept its sign the step grows by etaplus, where it flipped it
        shrinks by etaminus and that element does not move (its gradient counts as 0)."""
        s = self._scalars_like(p)
        state = self.state[p]
        etaminus, etaplus = group["etas"]
        step_min, step_max = group["step_sizes"]
        self._count_step(state)
        prev, step_size = state["prev"], state["step_size"]
        prod = grad * prev
        flipped = prod < 0
        kept = where(prod == 0, s("one", 1.0), prod)  # 0 -> 1; NaN stays NaN, as in torch
        factor = where(prod > 0, s("etaplus", etaplus), where(flipped, s("etaminus", etaminus), kept))
        step_size = (step_size * factor).clamp(s("step_size_min", step_min), s("step_size_max", step_max))
        grad = where(flipped, s("zero", 0.0), grad)
        self._write(state["step_size"], step_size)
        self._write(p, p - grad.sign() * step_size)
        self._write(prev, grad)
