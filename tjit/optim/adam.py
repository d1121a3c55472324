"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import check, check_lr, fresh_full, lerp, Optimizer, scalar_state, _to_scalar

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """torch.optim.Adam.  The bias corrections change every step, so they enter the update
    as 0-d tensors computed on the host (in double, like torch's), never as constants."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_lr(lr)
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check(all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas),
              "betas must be either both floats or both Tensors")
        defaults = dict(lr=lr, betas=tuple(map(_to_scalar, betas)), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = scalar_state(0)
        state["exp_avg"] = fresh_full(p, 0)
        state["exp_avg_sq"] = fresh_full(p, 0)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = fresh_full(p, 0)
        return list(state.values())

    def _update(self, p, grad, group):
        s = self._scalars_like(p)
        state = self.state[p]
        lr, wd = _to_scalar(group["lr"]), group["weight_decay"]
        beta1, beta2 = (_to_scalar(b) for b in group["betas"])
        step = self._count_step(state)
        param = p
        if wd != 0:
            if group["decoupled_weight_decay"]:
                param = p * s("decay", 1 - lr * wd)
            else:
                grad = grad + p * s("weight_decay", wd)
        exp_avg = lerp(state["exp_avg"], grad, 1 - beta1, s, "1-beta1")
        exp_avg_sq = state["exp_avg_sq"] * s("beta2", beta2) + s("1-beta2", 1 - beta2) * grad * grad
        self._write(state["exp_avg"], exp_avg)
        self._write(state["exp_avg_sq"], exp_avg_sq)
        second = exp_avg_sq
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"].maximum(exp_avg_sq)
            self._write(state["max_exp_avg_sq"], second)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        denom = second.sqrt() / s("bias_correction2_sqrt", bias_correction2 ** 0.5) + s("eps", group["eps"])
        self._write(p, param + self._over("-step_size", -lr, bias_correction1, p.dtype) * exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
