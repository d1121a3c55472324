"""linear and bilinear: a CONTRACT with the bias as its epilogue."""
from __future__ import annotations

from ...autograd_hooks import grad_name
from ._base import L, R, S


def _linear_grad_name(input, weight, bias=None):
    """torch's linear: addmm for a matrix with a bias, a view of a flattened addmm for a
    contiguous input of other ranks, else matmul (its name) plus an in-place bias add."""
    if bias is None:
        return None
    if input.ndim == 2:
        return "AddmmBackward0"
    return "ViewBackward0" if input.is_contiguous() else None


@grad_name(_linear_grad_name)
def linear(input, weight, bias=None):
    """input @ weight.T + bias."""
    out = L.matmul(input, S.t(weight)) if weight.ndim == 2 else L.matmul(input, weight)
    return out + bias if bias is not None else out


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o], as one matmul and one reduction."""
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected "
                           f"{in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected "
                           f"{in2}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError("bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    w = S.reshape(S.permute(weight, (1, 0, 2)), (in1, out_f * in2))
    tmp = S.reshape(L.matmul(input1, w), tuple(input1.shape[:-1]) + (out_f, in2))
    out = R.sum(tmp * S.unsqueeze(input2, -2), -1)
    return out + bias if bias is not None else out
