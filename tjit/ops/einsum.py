"""torch.einsum as tensor ops: no loop of its own, only views, reductions and products.

Each operand's repeated subscripts become a diagonal view, subscripts no other operand and
not the output use are summed away, and operands are combined left to right: a broadcast
multiply when the pair shares no summed subscript, else one batched matrix product
(CONTRACT) over the permuted, reshaped pair.  The result is permuted to the output order.
"""
from __future__ import annotations

import math
import string

from .._tensor import Tensor
from . import shape as S
from .linalg import _batched
from .reduction import sum as sum_

_LETTERS = string.ascii_letters


def _sublist_equation(args) -> tuple:
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]): the sublist format as an equation."""
    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)
    out = args[-1] if len(args) % 2 else None
    ops, subs = list(args[0:len(args) - len(args) % 2:2]), list(args[1::2])
    eq = ",".join(letters(s) for s in subs)
    return (eq if out is None else eq + "->" + letters(out)), ops


def _parse_term(term: str, offset: int, ndim: int | None = None, k: int = 0) -> list:
    """Subscripts of one term ('...' as None); `ndim`: the operand's, checked against them."""
    labels, i = [], 0
    while i < len(term):
        if term.startswith("...", i):
            labels.append(None)
            i += 3
            continue
        if term[i] not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {offset + i} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
        labels.append(term[i])
        i += 1
    if ndim is not None and None not in labels and len(labels) != ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(labels)}) does not match the "
                           f"number of dimensions ({ndim}) for operand {k} and no ellipsis was given")
    return labels


def _expand_ellipsis(labels: list, ndim: int) -> list:
    """'...' becomes broadcast labels '.-n' ... '.-1', numbered from the right so that
    operands' trailing broadcast dims share labels."""
    if None not in labels:
        return labels
    at = labels.index(None)
    n = ndim - (len(labels) - 1)
    return labels[:at] + [f".{i}" for i in range(-n, 0)] + labels[at + 1:]


def _parse(equation: str, operands: list):
    """(subscripts per operand, output subscripts), with torch's errors for bad equations."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    inputs, offset = [], 0
    for k, (term, op) in enumerate(zip(terms, operands)):
        inputs.append(_expand_ellipsis(_parse_term(term, offset, op.ndim, k), op.ndim))
        offset += len(term) + 1
    dots = sorted({lab for labs in inputs for lab in labs if lab.startswith(".")}, key=lambda s: int(s[1:]))
    if arrow:
        out = _parse_term(rhs, len(lhs) + 2) if rhs else []
        out = [lab for o in out for lab in (dots if o is None else [o])]
        for i, lab in enumerate(out):
            if lab in out[:i]:
                raise RuntimeError(f"einsum(): output subscript {lab} appears more than once in the output")
            if not any(lab in labs for labs in inputs):
                raise RuntimeError(f"einsum(): output subscript {lab} does not appear in the equation for any input "
                                   "operand")
    else:  # implicit output: broadcast dims, then the subscripts seen once, alphabetically
        counts = [lab for labs in inputs for lab in labs if not lab.startswith(".")]
        out = dots + sorted({lab for lab in counts if counts.count(lab) == 1})
    return inputs, out


def _sizes(inputs, operands) -> dict:
    """Each subscript's size; sizes of 1 broadcast, as torch allows."""
    sizes: dict = {}
    for k, (labs, op) in enumerate(zip(inputs, operands)):
        for lab, n in zip(labs, op.shape):
            seen = sizes.get(lab, 1)
            if n != 1 and seen != 1 and n != seen:
                shown = "..." if lab.startswith(".") else lab
                raise RuntimeError(f"einsum(): subscript {shown} has size {n} for operand {k} which does not "
                                   f"broadcast with previously seen size {seen}")
            sizes[lab] = n if seen == 1 else seen
    return sizes


def _diagonals(x: Tensor, labels: list, k: int):
    """Repeated subscripts within one operand ('ii') select the diagonal."""
    labels = list(labels)
    while len(set(labels)) != len(labels):
        lab = next(lab for i, lab in enumerate(labels) if lab in labels[:i])
        i, j = labels.index(lab), labels.index(lab, labels.index(lab) + 1)
        if x.shape[i] != x.shape[j]:
            raise RuntimeError(f"einsum(): subscript {lab} is repeated for operand {k} but the sizes don't match, "
                               f"{x.shape[j]} != {x.shape[i]}")
        x = S.diagonal(x, 0, i, j)
        labels = [lb for n, lb in enumerate(labels) if n not in (i, j)] + [lab]
    return x, labels


def _sum_out(x: Tensor, labels: list, needed: set):
    """Sum the subscripts nothing later needs (early, while the tensor is small)."""
    drop = tuple(i for i, lab in enumerate(labels) if lab not in needed)
    if not drop:
        return x, labels
    return sum_(x, drop), [lab for lab in labels if lab in needed]


def _pad_to(x: Tensor, labels: list, order: list) -> Tensor:
    """x with its axes in `order` and size-1 axes for the labels it lacks (a view)."""
    present = [lab for lab in order if lab in labels]
    x = S.permute(x, *[labels.index(lab) for lab in present])
    return S.reshape(x, *[x.shape[present.index(lab)] if lab in labels else 1 for lab in order])


def _matrix(x: Tensor, labels: list, groups: tuple, sizes: dict) -> Tensor:
    """x as a (batch, rows, cols) tensor over three groups of its labels (broadcasting
    size-1 axes to the subscript sizes first)."""
    order = [lab for g in groups for lab in g]
    x = S.expand(_pad_to(x, labels, order), *[sizes[lab] for lab in order])
    return S.reshape(x, *[math.prod(sizes[lab] for lab in g) for g in groups])


def _combine(a: Tensor, la: list, b: Tensor, lb: list, needed: set, sizes: dict):
    """One pairwise step: a broadcast product, or a batched matrix product when the pair
    shares subscripts that are summed here."""
    summed = [lab for lab in la if lab in lb and lab not in needed]
    batch = [lab for lab in la if lab in lb and lab in needed]
    only_a = [lab for lab in la if lab not in lb]
    only_b = [lab for lab in lb if lab not in la]
    order = batch + only_a + only_b
    if not summed:
        return _pad_to(a, la, order) * _pad_to(b, lb, order), order
    prod = _batched(_matrix(a, la, (batch, only_a, summed), sizes), _matrix(b, lb, (batch, summed, only_b), sizes))
    return S.reshape(prod, *[sizes[lab] for lab in order]), order


def einsum(*args):
    """torch.einsum(equation, *operands), einsum(equation, [operands]) and the sublist
    format einsum(op0, sub0, op1, sub1, ..., [out])."""
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    inputs, out = _parse(equation, operands)
    sizes = _sizes(inputs, operands)
    terms = []
    for k, (x, labs) in enumerate(zip(operands, inputs)):
        x, labs = _diagonals(x, labs, k)
        others = {lab for j, lb in enumerate(inputs) if j != k for lab in lb}
        terms.append(_sum_out(x, labs, others | set(out)))
    x, labs = terms[0]
    for j, (y, ly) in enumerate(terms[1:], start=1):
        later = {lab for _, lb in terms[j + 1:] for lab in lb} | set(out)
        x, labs = _sum_out(x, labs, later | set(ly))
        y, ly = _sum_out(y, ly, later | set(labs))
        x, labs = _combine(x, labs, y, ly, later, sizes)
    x, labs = _sum_out(x, labs, set(out))
    return S.permute(x, *[labs.index(lab) for lab in out])
