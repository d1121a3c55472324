"""gradcheck / gradgradcheck: compare the analytical Jacobian (from backward) with central
finite differences, as torch.autograd.gradcheck does (use float64 inputs).

Every perturbed evaluation has the same graph structure, so after the first one each
realization reuses the cached schedule and compiled kernels.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from .._tensor import Tensor
from .engine import grad


class GradcheckError(RuntimeError):
    """A Jacobian mismatch found by gradcheck."""


def _outputs(out) -> tuple:
    return (out,) if isinstance(out, Tensor) else tuple(out)


def _flat(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach(), dtype=np.float64).reshape(-1)


def _with_value(inputs: tuple, i: int, values: np.ndarray) -> tuple:
    x = inputs[i]
    new = ops.creation.tensor(values.reshape(tuple(x.shape)), dtype=x.dtype, requires_grad=x.requires_grad)
    return inputs[:i] + (new,) + inputs[i + 1:]


def _numerical(func, inputs: tuple, i: int, n_out: list, eps: float) -> list:
    """d outputs / d inputs[i] by central differences: one (numel_in, numel_out) per output."""
    base = _flat(inputs[i])
    jac = [np.zeros((base.size, n)) for n in n_out]
    for k in range(base.size):
        cols = []
        for sign in (1.0, -1.0):
            v = base.copy()
            v[k] += sign * eps
            cols.append([_flat(o) for o in _outputs(func(*_with_value(inputs, i, v)))])
        for o, (plus, minus) in enumerate(zip(*cols)):
            jac[o][k] = (plus - minus) / (2 * eps)
    return jac


def _analytical(outputs: tuple, inputs: tuple, diff: list) -> dict:
    """d outputs / d inputs from backward, one vector-Jacobian product per output element."""
    jac = {}
    targets = [inputs[i] for i in diff]
    for o, out in enumerate(outputs):
        for i in diff:
            jac[(o, i)] = np.zeros((inputs[i].numel(), out.numel()))
        if not out.requires_grad:
            continue
        for j in range(out.numel()):
            onehot = np.zeros(out.numel())
            onehot[j] = 1.0
            seed = ops.creation.tensor(onehot.reshape(tuple(out.shape)), dtype=out.dtype)
            grads = grad(out, targets, seed, retain_graph=True, allow_unused=True)
            for i, g in zip(diff, grads):
                if g is not None:
                    jac[(o, i)][:, j] = _flat(g)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None) -> bool:
    """True when backward's Jacobian matches finite differences for every output/input pair."""
    inputs = _outputs(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex. ")
    outputs = _outputs(func(*inputs))
    analytical = _analytical(outputs, inputs, diff)
    n_out = [o.numel() for o in outputs]
    for i in diff:
        numerical = _numerical(func, inputs, i, n_out, eps)
        for o in range(len(outputs)):
            a, n = analytical[(o, i)], numerical[o]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(f"Jacobian mismatch for output {o} with respect to input {i},\n"
                                     f"numerical:{n}\nanalytical:{a}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False) -> bool:
    """gradcheck of the gradient itself (built with create_graph=True): second derivatives."""
    inputs = _outputs(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = [o for o in _outputs(func(*inputs)) if o.requires_grad]
        grad_outputs = tuple(ops.creation.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype,
                                                 requires_grad=True) for o in outs)
    grad_outputs = _outputs(grad_outputs)
    n_in = len(inputs)

    def first_derivatives(*args):
        ins, seeds = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func(*ins)) if o.requires_grad]
        wrt = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        grads = grad(outs, wrt, seeds, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
