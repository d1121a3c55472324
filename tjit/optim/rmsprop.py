"""RMSprop, plain or centered, with momentum."""
from __future__ import annotations

from .optimizer import check, check_lr, fresh_full, lerp, Optimizer, scalar_state, _to_scalar

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """torch.optim.RMSprop."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = scalar_state(0)
        state["square_avg"] = fresh_full(p, 0)
        if group["momentum"] > 0:
            state["momentum_buffer"] = fresh_full(p, 0)
        if group["centered"]:
            state["grad_avg"] = fresh_full(p, 0)
        return list(state.values())

    def _update(self, p, grad, group):
        s = self._scalars_like(p)
        state = self.state[p]
        alpha = group["alpha"]
        self._count_step(state)
        if group["weight_decay"] != 0:
            grad = grad + p * s("weight_decay", group["weight_decay"])
        square_avg = state["square_avg"] * s("alpha", alpha) + s("1-alpha", 1 - alpha) * grad * grad
        self._write(state["square_avg"], square_avg)
        if group["centered"]:
            grad_avg = lerp(state["grad_avg"], grad, 1 - alpha, s, "1-alpha")
            self._write(state["grad_avg"], grad_avg)
            avg = (square_avg - grad_avg * grad_avg).sqrt()
        else:
            avg = square_avg.sqrt()
        avg = avg + s("eps", group["eps"])
        neg_lr = s("-lr", -_to_scalar(group["lr"]))
        if group["momentum"] > 0:
            buf = state["momentum_buffer"] * s("momentum", group["momentum"]) + grad / avg
            self._write(state["momentum_buffer"], buf)
            self._write(p, p + buf * neg_lr)
        else:
            self._write(p, p + neg_lr * grad / avg)
