"""Symbolic integer index expressions with bounds-driven simplification.

Views compose into these expressions (ir/index.py); the simplifier's job is to cancel the
div/mod pairs that reshapes introduce, so the code generators see plain affine loads that
vectorise.  Every expression is a `Lin` (a linear combination of atoms plus a constant);
atoms are loop variables (`Var`), floor division and modulo by a positive constant,
`Ext` (an integer read from data, as in gather) and `Ranged` (an expression with bounds a
valid mask guarantees).  Everything is immutable and hashable.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class Atom:
    lo: int
    hi: int  # inclusive


@dataclass(frozen=True)
class Var(Atom):
    name: str
    lo: int
    hi: int

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Ext(Atom):
    """An integer that comes from data (gathered indices); `key` identifies the value."""
    key: object
    lo: int
    hi: int

    def __str__(self):
        return f"gathered[{self.lo}..{self.hi}]"


@dataclass(frozen=True)
class Div(Atom):
    num: "Lin"
    d: int
    lo: int = field(init=False, compare=False)
    hi: int = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "lo", self.num.lo // self.d)
        object.__setattr__(self, "hi", self.num.hi // self.d)

    def __str__(self):
        return f"({self.num}//{self.d})"


@dataclass(frozen=True)
class Mod(Atom):
    num: "Lin"
    d: int
    lo: int = field(init=False, compare=False)
    hi: int = field(init=False, compare=False)

    def __post_init__(self):
        lo, hi = self.num.lo, self.num.hi
        same_block = lo // self.d == hi // self.d
        object.__setattr__(self, "lo", lo % self.d if same_block else 0)
        object.__setattr__(self, "hi", hi % self.d if same_block else self.d - 1)

    def __str__(self):
        return f"({self.num}%{self.d})"


@dataclass(frozen=True)
class Ranged(Atom):
    """`num`, known to lie in [lo, hi] wherever the expression is used: a padded read is
    only used where its valid mask holds, so the index under it may be simplified with
    the mask's bounds (reshapes then cancel); code still computes `num` itself."""
    num: "Lin"
    lo: int
    hi: int

    def __str__(self):
        return f"{{{self.num}}}"


def ranged(x, lo: int, hi: int) -> "Lin":
    """x, with the bounds [lo, hi] a valid mask guarantees (see Ranged)."""
    x = lin(x)
    if lo <= x.lo and x.hi <= hi:
        return x
    return lin(Ranged(x, max(lo, x.lo), min(hi, x.hi)))


def true_bounds(x: "Lin") -> tuple:
    """(lo, hi) of x over every value its loop variables take, masked or not: Ranged atoms
    count with their expression's own range, not the bounds a mask guarantees."""
    lo = hi = x.const
    for a, c in x.terms:
        alo, ahi = _atom_true_bounds(a)
        lo += c * (alo if c > 0 else ahi)
        hi += c * (ahi if c > 0 else alo)
    return lo, hi


def _atom_true_bounds(a: Atom) -> tuple:
    if isinstance(a, Ranged):
        return true_bounds(a.num)
    if isinstance(a, Div):
        lo, hi = true_bounds(a.num)
        return lo // a.d, hi // a.d
    if isinstance(a, Mod):
        lo, hi = true_bounds(a.num)
        return (lo % a.d, hi % a.d) if lo // a.d == hi // a.d else (0, a.d - 1)
    return a.lo, a.hi


def _order(atom: Atom) -> tuple:
    return (type(atom).__name__, str(atom))


@dataclass(frozen=True)
class Lin:
    """sum(coef * atom) + const, terms in a canonical order."""
    terms: tuple  # ((atom, coef), ...)
    const: int = 0

    @property
    def lo(self) -> int:
        return self.const + sum(c * (a.lo if c > 0 else a.hi) for a, c in self.terms)

    @property
    def hi(self) -> int:
        return self.const + sum(c * (a.hi if c > 0 else a.lo) for a, c in self.terms)

    @property
    def is_const(self) -> bool:
        return not self.terms

    def __str__(self):
        parts = [(str(a) if c == 1 else f"{a}*{c}") for a, c in self.terms]
        if self.const or not parts:
            parts.append(str(self.const))
        return "+".join(parts)

    # arithmetic -------------------------------------------------------------------------
    def __add__(self, other):
        other = lin(other)
        d = dict(self.terms)
        for a, c in other.terms:
            d[a] = d.get(a, 0) + c
        return _make(d, self.const + other.const)

    __radd__ = __add__

    def __sub__(self, other):
        return self + lin(other) * -1

    def __mul__(self, k: int):
        if not isinstance(k, int):
            raise TypeError("index expressions multiply by integer constants only")
        if k == 0:
            return Lin((), 0)
        return Lin(tuple((a, c * k) for a, c in self.terms), self.const * k)

    __rmul__ = __mul__

    def __floordiv__(self, k: int):
        return floordiv(self, k)

    def __mod__(self, k: int):
        return mod(self, k)


def lin(x) -> Lin:
    if isinstance(x, Lin):
        return x
    if isinstance(x, int):
        return Lin((), x)
    if isinstance(x, Atom):
        return Lin(((x, 1),), 0)
    raise TypeError(f"not an index expression: {x!r}")


def var(name: str, extent: int) -> Lin:
    return lin(Var(name, 0, extent - 1))  # an empty range has hi = -1: its loop never runs


def _make(d: dict, const: int) -> Lin:
    d = {a: c for a, c in d.items() if c != 0}
    while True:
        const, changed = _recombine(d, const)
        if not changed:
            break
    terms = tuple(sorted(d.items(), key=lambda t: _order(t[0])))
    return Lin(terms, const)


def _add_into(d: dict, x: "Lin", k: int) -> int:
    for a, c in x.terms:
        d[a] = d.get(a, 0) + c * k
        if d[a] == 0:
            del d[a]
    return x.const * k


def _recombine(d: dict, const: int):
    """Undo what unflattening did: k*(x%c) + k*c*(x//c) == k*x and
    k*(x%c) + k*c*((x//c)%m) == k*(x%(c*m)).  Returns (const, changed)."""
    for a, k in list(d.items()):
        if not isinstance(a, Mod):
            continue
        x, c = a.num, a.d
        div = Div(x, c)
        if d.get(div) == k * c:
            del d[a], d[div]
            return const + _add_into(d, x, k), True
        for b, kb in list(d.items()):
            if isinstance(b, Mod) and kb == k * c and b.num.terms == ((div, 1),) and b.num.const == 0:
                del d[a], d[b]
                return const + _add_into(d, mod(x, c * b.d), k), True
    return const, False


def _split_small(x: Lin, k: int):
    """Find g | k with x == g*big + small and 0 <= small < g: then x//k == big//(k/g)."""
    from math import gcd
    for _, c in x.terms:
        g = gcd(abs(c), k)
        if g <= 1:
            continue
        big = {a: cc // g for a, cc in x.terms if cc % g == 0}
        small = Lin(tuple((a, cc) for a, cc in x.terms if cc % g), x.const)
        if 0 <= small.lo and small.hi < g:
            return Lin(tuple(sorted(big.items(), key=lambda t: _order(t[0]))), 0), g
    return None


def floordiv(x, k: int) -> Lin:
    x = lin(x)
    if k <= 0:
        raise ValueError("index division by a non-positive constant")
    if k == 1:
        return x
    q, rest = {}, {}
    for a, c in x.terms:
        (q if c % k == 0 else rest)[a] = c // k if c % k == 0 else c
    qc, rc = divmod(x.const, k)
    quotient = _make(q, qc)
    r = Lin(tuple(sorted(rest.items(), key=lambda t: _order(t[0]))), rc)
    if r.lo // k == r.hi // k:
        return quotient + r.lo // k
    if len(r.terms) == 1 and r.const == 0 and r.terms[0][1] == 1 and isinstance(r.terms[0][0], Div):
        inner = r.terms[0][0]
        return quotient + lin(Div(inner.num, inner.d * k))
    split = _split_small(r, k)
    if split is not None:
        big, g = split
        return quotient + floordiv(big, k // g)
    return quotient + lin(Div(r, k))


def mod(x, k: int) -> Lin:
    x = lin(x)
    if k <= 0:
        raise ValueError("index modulo by a non-positive constant")
    if k == 1:
        return Lin((), 0)
    d = {a: c % k for a, c in x.terms if c % k}
    r = Lin(tuple(sorted(d.items(), key=lambda t: _order(t[0]))), x.const % k)
    if 0 <= r.lo and r.hi < k:
        return r
    if r.lo // k == r.hi // k:  # the whole range lies in one block: subtract it
        return r - (r.lo // k) * k
    split = _split_small(r, k)
    if split is not None:
        big, g = split
        return mod(big, k // g) * g + (r - big * g)
    return lin(Mod(r, k))


def variables(x: Lin) -> frozenset:
    """The loop variables (and data-dependent atoms) an expression depends on."""
    out = set()
    for a, _ in x.terms:
        if isinstance(a, (Var, Ext)):
            out.add(a)
        else:
            out |= variables(a.num)
    return frozenset(out)


def has_divmod(x: Lin) -> bool:
    return any(isinstance(a, (Div, Mod)) for a, _ in x.terms)


def substitute(x: Lin, env: dict) -> Lin:
    """Replace atoms by expressions (used to re-express a kernel over new loop variables)."""
    out = lin(x.const)
    for a, c in x.terms:
        if a in env:
            out = out + lin(env[a]) * c
        elif isinstance(a, Div):
            out = out + floordiv(substitute(a.num, env), a.d) * c
        elif isinstance(a, Mod):
            out = out + mod(substitute(a.num, env), a.d) * c
        elif isinstance(a, Ranged):
            out = out + ranged(substitute(a.num, env), a.lo, a.hi) * c
        else:
            out = out + lin(a) * c
    return out


def unflatten(flat, shape) -> list:
    """Row-major index of a flat position; the simplifier drops the mods bounds make redundant."""
    idx, stride = [], 1
    for s in reversed(shape):
        idx.append(mod(floordiv(flat, stride), s) if s != 1 else lin(0))
        stride *= s
    return idx[::-1]


def flatten(idx, shape) -> Lin:
    out, stride = lin(0), 1
    for i, s in zip(reversed(idx), reversed(shape)):
        if s != 1:
            out = out + lin(i) * stride
        stride *= s
    return out
