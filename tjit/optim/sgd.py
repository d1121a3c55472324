"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from __future__ import annotations

from .optimizer import Optimizer, _to_scalar, check, check_lr

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (torch.optim.SGD); the momentum buffer starts as the
    first gradient, as torch's does."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        check(not (nesterov and (momentum <= 0 or dampening != 0)),
              "Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        s = self._scalars_like(p)
        if group["weight_decay"] != 0:
            grad = grad + p * s("weight_decay", group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                new_buf = state["momentum_buffer"] = grad.detach().clone()
            else:
                new_buf = buf * s("momentum", momentum) + grad * s("1-dampening", 1 - group["dampening"])
            self._write(state["momentum_buffer"], new_buf)
            grad = grad + new_buf * s("momentum", momentum) if group["nesterov"] else new_buf
        self._write(p, p + grad * s("-lr", -_to_scalar(group["lr"])))
