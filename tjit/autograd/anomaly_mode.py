"""Anomaly detection: with it on, backward checks every node's gradients for NaN and names
the node that produced one (each gradient is realized as it is made, so this is slow)."""
from __future__ import annotations

_enabled = False
_check_nan = True


def is_anomaly_enabled() -> bool:
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _check_nan


class set_detect_anomaly:
    """Switches anomaly detection on construction; restores it when used as a context manager."""

    def __init__(self, mode: bool, check_nan: bool = True):
        global _enabled, _check_nan
        self.prev = (_enabled, _check_nan)
        _enabled, _check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        global _enabled, _check_nan
        _enabled, _check_nan = self.prev


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self.ctx = set_detect_anomaly(True, self.check_nan)
        return self

    def __exit__(self, *exc) -> None:
        self.ctx.__exit__(*exc)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


def check_gradients(node, grads) -> None:
    """Raise if a gradient the node returned holds NaN (anomaly mode with check_nan)."""
    if not (_enabled and _check_nan):
        return
    for i, g in enumerate(grads):
        if g is not None and bool((g != g).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
