"""Module backward hooks (register_full_backward_hook / _pre_hook), as torch wires them:
the module's tensor inputs and outputs pass through identity autograd Functions whose
backward sees grad_output (outputs) and grad_input (inputs) and lets the hooks replace
them."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.function import Function


class _Identity(Function):
    """Returns its tensor arguments; its backward hands their gradients to `on_grads`."""

    @staticmethod
    def forward(ctx, on_grads, *tensors):
        ctx.on_grads = on_grads
        return tuple(t.detach() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_grads(grads))


def _check_count(new, old, what):
    if len(new) != len(old):
        raise RuntimeError(f"Backward hook returned an invalid number of grad_{what}, got {len(new)}, but expected "
                           f"{len(old)}")
    return tuple(new)


class BackwardHook:
    """One forward call's wiring: hooks(module, grad_input, grad_output) run once the
    gradients of the module's inputs are known; pre-hooks(module, grad_output) first."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_output = None
        self.n_inputs = 0
        self.inputs_tracked = False

    def _wrap(self, value, on_grads):
        """Pass the tensors in `value` (a tensor or a tuple) through _Identity."""
        items = value if isinstance(value, tuple) else (value,)
        idx = [i for i, v in enumerate(items) if isinstance(v, Tensor) and v.requires_grad]
        if not idx:
            return value, 0
        wrapped = _Identity.apply(on_grads, *(items[i] for i in idx))
        out = list(items)
        for i, w in zip(idx, wrapped):
            out[i] = w
        return (tuple(out) if isinstance(value, tuple) else out[0]), len(idx)

    def setup_input_hook(self, args):
        self.n_inputs = sum(isinstance(a, Tensor) for a in args)
        new_args, n = self._wrap(tuple(args), self._on_input_grads)
        self.inputs_tracked = n > 0
        return new_args

    def setup_output_hook(self, result):
        return self._wrap(result, self._on_output_grads)[0]

    def _on_output_grads(self, grads):
        for hook in self.pre_hooks:
            res = hook(self.module, grads)
            if res is not None:
                grads = _check_count(res if isinstance(res, tuple) else (res,), grads, "output")
        self.grad_output = grads
        if not self.inputs_tracked:
            for hook in self.hooks:
                hook(self.module, (None,) * self.n_inputs, grads)
        return grads

    def _on_input_grads(self, grads):
        for hook in self.hooks:
            res = hook(self.module, grads, self.grad_output)
            if res is not None:
                grads = _check_count(res if isinstance(res, tuple) else (res,), grads, "input")
        return grads
