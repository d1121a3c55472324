"""Optimizer: torch's base class (param_groups, state, state_dict layout, hooks) plus the
machinery that makes a step compile well.

A step is built as tensor ops under no_grad: each optimizer's `_update` computes the new
values of a parameter and of its state buffers from the current ones, lazily, so the whole
step is one graph.  `step()` realizes all of them in ONE `tjit.realize` call (the scheduler
writes each new tensor with one fused kernel) and then assigns them in place (`copy_`,
through Tensor._assign), so graphs do not grow across steps.  Every hyper-parameter that can
change between steps (lr, bias corrections, betas...) enters as a 0-d tensor rather than a
constant: the second step's graph has the first step's structure and the schedule cache runs
it without compiling anything.  Once every parameter has its state, the update runs through
`tjit.compile` (`_compiled_update`): its graph is built once per hyper-parameter setting and
replayed after, and while traced the step count and bias corrections are graph values.
"""
from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

from tjit.ir import dtype as dt

from .._tensor import Tensor
from .. import engine
from ..api import settle
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn._grad import zero_grads
from ..nn._hooks import RemovableHandle
from ..ops.creation import tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every param group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _to_scalar(x):
    """A 1-element tensor hyper-parameter as a Python number."""
    return x.item() if isinstance(x, Tensor) else x


def _with_step_hooks(step):
    """Wrap a subclass's `step`: run the step pre/post hooks and note that step ran (the
    lr schedulers warn when they are stepped first)."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        for hook in self._optimizer_step_pre_hooks.values():
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {result}.")
                args, kwargs = result
        out = step(self, *args, **kwargs)
        self._opt_called = True
        for hook in self._optimizer_step_post_hooks.values():
            hook(self, args, kwargs)
        return out
    wrapper._hooked = True
    return wrapper


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _with_step_hooks(step)

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {params.type()}")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _init_hooks(self) -> None:
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        """Also upgrades old checkpoints: missing group options take the defaults, a numeric
        'step' becomes the 0-d float32 tensor torch keeps now."""
        self.__dict__.update(state)
        self._init_hooks()
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for k, v in self.defaults.items():
                group.setdefault(k, v)
        for st in self.state.values():
            if isinstance(st, dict) and "step" in st and not isinstance(st["step"], Tensor):
                st["step"] = scalar_state(st["step"])

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    # -- parameter groups ------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group (with its own options; missing ones come from `defaults`)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p._retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop (or zero) the gradients of every optimized tensor."""
        zero_grads(chain.from_iterable(g["params"] for g in self.param_groups), set_to_none)

    # -- state_dict --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {param index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, torch's
        layout: tensors in it are the live state tensors (not copies), as in torch."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            start = len(index)
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state_dict (from tjit or, with tensors converted, from torch)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast_state(param, v, _group_flags(k, state_dict["param_groups"]))
            else:
                state[k] = v
        for g, new in zip(groups, saved_groups):
            new["params"] = g["params"]
            if "param_names" in g and "param_names" not in new:
                new["param_names"] = g["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    # -- hooks -------------------------------------------------------------------------------
    def _register(self, hooks: OrderedDict, hook, prepend: bool = False) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        return self._register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook) -> RemovableHandle:
        return self._register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- the fused step ----------------------------------------------------------------------
    def step(self, closure=None):
        """One update of every parameter that has a gradient, realized in one schedule.
        Once every such parameter has its state, the update runs as a compiled plan
        (`tjit.compile`, traced once per hyper-parameter setting): the Python that builds the
        update graph runs when it changes, not on every step."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            work = [(p, group) for group in self.param_groups for p in group["params"] if p.grad is not None]
            # the backward pass first: an update graph built on a pending backward graph would
            # hit the pending-node budget at places that differ from step to step
            settle(*(p.grad for p, _ in work))
            if not (work and self._compiled_update(work)):
                self._update_all()
        return loss

    def _update_all(self) -> tuple:
        self._scalars, self._writes = {}, []
        work = [(p, group) for group in self.param_groups for p in group["params"] if p.grad is not None]
        fresh = [self._init_state(p, group) for p, group in work if not self.state.get(p)]
        settle(*chain.from_iterable(fresh))
        for p, group in work:
            grad = -p.grad if group.get("maximize", False) else p.grad
            self._update(p, grad, group)
        self._commit()
        return ()

    def _compiled_update(self, work: list) -> bool:
        """Run `_update_all` through its compiled plan; False where it does not apply (a first
        step still creating state, a differentiable optimizer, inside a traced function, or an
        update that cannot be traced: tensor hyper-parameters read on the host)."""
        if engine.tracing is not None or any(g.get("differentiable") for g in self.param_groups) \
                or any(not self.state.get(p) for p, _ in work):
            return False
        from ..compiled import NOT_COMPILED, replay_method
        return replay_method(self._update_all) is not NOT_COMPILED

    def _init_state(self, p: Tensor, group: dict) -> list:
        """Fill `self.state[p]` before its first update; returns the new tensors (realized
        before the update, so step 1's graph has the structure of every later step)."""
        return []

    def _update(self, p: Tensor, grad: Tensor, group: dict) -> None:
        """Compute the new values of `p` and its state from the current ones and `_write`
        them.  `grad` is already negated when the group maximizes."""
        raise NotImplementedError

    def _write(self, target: Tensor, value: Tensor) -> None:
        """`target` takes `value` at the end of the step (a new state tensor is its own target)."""
        self._writes.append((target, value))

    def _commit(self) -> None:
        """Realize all new values in ONE schedule, then write them in place.  Writing only
        after realizing matters: a tensor shared with numpy (`.numpy()`) is written back into
        that memory at once, and graphs still pending would read the overwritten values."""
        writes, self._writes, self._scalars = self._writes, None, None
        settle(*(value for _, value in writes))
        for target, value in writes:
            if target is not value:
                target.copy_(value)

    def _scalar(self, role: str, value, dtype=dt.float32) -> Tensor:
        """A 0-d tensor holding a hyper-parameter: a kernel argument, not a constant compiled
        into the code, so changing it between steps compiles nothing new.  Within a step the
        parameters share one tensor per (role, value, dtype); keying by role keeps that
        sharing (part of the graph's structure) from depending on coincidences of values."""
        if isinstance(value, Tensor) and engine.tracing is not None:
            return value.to(dtype)  # computed from a traced step count (see _count_step)
        value = float(_to_scalar(value))
        key = (role, value, dtype)
        cache = self._scalars
        if key not in cache:
            cache[key] = tensor(value, dtype=dtype)
        return cache[key]

    def _over(self, role: str, num: float, den, dtype) -> Tensor:
        """num / den as a kernel argument.  `den` is a Python number eagerly, and a float64
        tensor while tjit.compile traces (it comes from the step count, see _count_step):
        then num must enter as a tensor too -- a constant would put the learning rate into
        the compiled code, and every new value would compile again."""
        if isinstance(den, Tensor):
            return (self._scalar(role, num, dt.float64) / den).to(dtype)
        return self._scalar(role, num / den, dtype)

    def _scalars_like(self, p: Tensor):
        """`s(role, value)`: `_scalar` in `p`'s dtype."""
        return functools.partial(self._scalar, dtype=p.dtype)

    def _count_step(self, state: dict) -> float | Tensor:
        """state['step'] += 1 (a 0-d float32 tensor, as torch keeps it); returns the new count.
        Each parameter's step keeps storage of its own (see `fresh_full`).  While `tjit.compile`
        traces a training step the count stays a tensor (float64, for the bias corrections that
        torch computes in double): a replayed step must not bake in the count it was traced with."""
        if engine.tracing is not None:
            state["step"].copy_(state["step"] + 1)
            return state["step"].double()
        step = state["step"].item() + 1
        state["step"].copy_(scalar_state(step))
        return step


def _group_flags(param_id, groups) -> tuple:
    for g in groups:
        if param_id in g["params"]:
            return g.get("fused", False), g.get("capturable", False)
    return False, False


def _cast_state(param: Tensor, value, flags: tuple, key=None):
    """torch's load rule: floating state follows the parameter's dtype; 'step' stays as it is
    (float32 when fused/capturable); containers are rebuilt."""
    if isinstance(value, Tensor):
        if key == "step":
            return value.to(dt.float32) if any(flags) else value
        return value.to(param.dtype) if param.is_floating_point() else value
    if isinstance(value, dict):
        return {k: _cast_state(param, v, flags, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, flags) for v in value)
    return value


def fresh_full(p: Tensor, value) -> Tensor:
    """A state buffer shaped like `p`, filled with `value`, with storage of its own.
    (`zeros_like(p)` twice is one hash-consed node: two state buffers sharing it would make
    step 1's graph differ in structure from step 2's, which then could not reuse its kernels;
    and a tensor handed to numpy (`.numpy()`) writes its in-place updates into its buffer,
    which must then not be another tensor's.)"""
    return tensor(float(value), dtype=p.dtype).expand(tuple(p.shape)).clone()


def scalar_state(value) -> Tensor:
    """A 0-d state tensor (step count, ASGD's eta and mu) in torch's dtype for them: float64
    when that is the default dtype, else float32."""
    from .. import state as settings
    d = dt.float64 if settings.default_dtype is dt.float64 else dt.float32
    return tensor(float(value), dtype=d)


def check(ok: bool, message: str) -> None:
    """Argument validation with torch's ValueError messages."""
    if not ok:
        raise ValueError(message)


def check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    check(0.0 <= lr, f"Invalid learning rate: {lr}")


def lerp(start: Tensor, end: Tensor, weight: float, s, role: str) -> Tensor:
    """torch's lerp formula for a weight known on the host (the branch is chosen here):
    start + w * (end - start) for |w| < 0.5, else end - (end - start) * (1 - w)."""
    if abs(weight) < 0.5:
        return start + s(role, weight) * (end - start)
    return end - (end - start) * s("1-" + role, 1 - weight)


Optimizer.step = _with_step_hooks(Optimizer.step)
