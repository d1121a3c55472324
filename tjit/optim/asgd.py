"""ASGD: averaged stochastic gradient descent."""
from __future__ import annotations

from .optimizer import check, check_lr, fresh_full, Optimizer, scalar_state, _to_scalar

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """torch.optim.ASGD.  eta and mu are 0-d state tensors computed on the host each step,
    as torch computes them; the average `ax` is a parameter-shaped buffer."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = scalar_state(0)
        state["eta"] = scalar_state(_to_scalar(group["lr"]))
        state["mu"] = scalar_state(1)
        state["ax"] = fresh_full(p, 0)
        return list(state.values())

    def _update(self, p, grad, group):
        s = self._scalars_like(p)
        state = self.state[p]
        lr, lambd = _to_scalar(group["lr"]), group["lambd"]
        step = self._count_step(state)
        if group["weight_decay"] != 0:
            grad = grad + p * s("weight_decay", group["weight_decay"])
        eta = state["eta"].item()
        param = p * s("decay", 1 - lambd * eta) + grad * s("-eta", -eta)
        ax, mu = state["ax"], state["mu"].item()
        self._write(p, param)
        # ax = param is a copy (a kernel of its own): two state tensors never share storage
        self._write(ax, ax + (param - ax) * s("mu", mu) if mu != 1 else param.clone())
        self._write(state["eta"], scalar_state(lr / ((1 + lambd * lr * step) ** group["alpha"])))
        self._write(state["mu"], scalar_state(1 / max(1, step - group["t0"])))
