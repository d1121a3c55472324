"""Grad mode: whether ops record the autograd tape.  Context managers that also work as
function decorators, as torch's do.  The modes are per thread (tjit.state.mode), as in
torch: `no_grad` in one thread leaves the others recording."""
from __future__ import annotations

import functools
import inspect

from ..state import mode as _this_thread

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


def is_grad_enabled() -> bool:
    return _this_thread.grad_enabled


def is_inference_mode_enabled() -> bool:
    return _this_thread.inference_mode


class _GradModeContext:
    """Base: `__enter__` switches the mode, `__exit__` restores it; used as `@no_grad()` (or
    `@no_grad`) it wraps a function or generator so each call runs in the mode."""

    def __new__(cls, orig_func=None, *args, **kwargs):
        if cls is not set_grad_enabled and callable(orig_func) and not args and not kwargs:
            return cls()(orig_func)  # bare decorator: @no_grad
        return super().__new__(cls)

    def _apply(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self._prev = (_this_thread.grad_enabled, _this_thread.inference_mode)
        self._apply()
        return self

    def __exit__(self, *exc) -> None:
        _this_thread.grad_enabled, _this_thread.inference_mode = self._prev

    def clone(self):
        return self.__class__()

    def __call__(self, fn):
        if inspect.isclass(fn):
            raise RuntimeError(f"{type(self).__name__} cannot decorate a class")
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def _wrap_generator(self, fn):
        """Each resumption of the generator runs in the mode; the caller's mode in between."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            sent = None
            while True:
                try:
                    with self.clone():
                        item = gen.send(sent)
                except StopIteration as stop:
                    return stop.value
                sent = yield item
        return wrapper


class no_grad(_GradModeContext):
    """Ops inside do not record the tape (results do not require grad)."""

    def __init__(self, orig_func=None):
        pass

    def _apply(self) -> None:
        _this_thread.grad_enabled = False


class enable_grad(_GradModeContext):
    """Re-enables recording inside a no_grad region."""

    def __init__(self, orig_func=None):
        pass

    def _apply(self) -> None:
        _this_thread.grad_enabled = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode on construction, so it works as a plain call too; as a context manager
    it restores the previous mode on exit, as a decorator it switches only during calls."""

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        self._prev = (_this_thread.grad_enabled, _this_thread.inference_mode)
        self.mode = mode
        _this_thread.grad_enabled = mode

    def __enter__(self):
        _this_thread.grad_enabled = self.mode
        return self

    def __call__(self, fn):
        _this_thread.grad_enabled, _this_thread.inference_mode = self._prev  # decorating must not switch the mode
        return super().__call__(fn)

    def clone(self):
        return set_grad_enabled(self.mode)


class inference_mode(_GradModeContext):
    """Like no_grad (tjit keeps no per-tensor bookkeeping that inference mode could skip);
    `inference_mode(False)` turns grad mode back on, as torch's does."""

    def __init__(self, mode: bool = True):
        self.mode = mode

    def _apply(self) -> None:
        _this_thread.grad_enabled = not self.mode
        _this_thread.inference_mode = self.mode

    def clone(self):
        return inference_mode(self.mode)
