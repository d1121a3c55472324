"""@triton.jit helpers that generated kernels call; each source carries the ones it uses.

They spell out the CPU generator's semantics where Triton's own operators differ (integer
division by zero or -1, NaN-propagating max/min in reductions, splitmix64 random numbers), and
give tl.reduce / tl.associative_scan their combine functions.
"""
from __future__ import annotations

SOURCES = {
    "_add": '''
@triton.jit
def _add(a, b):
    return a + b
''',
    "_mul": '''
@triton.jit
def _mul(a, b):
    return a * b
''',
    "_maximum": '''
@triton.jit
def _maximum(a, b):
    return tl.maximum(a, b)
''',
    "_minimum": '''
@triton.jit
def _minimum(a, b):
    return tl.minimum(a, b)
''',
    "_maximum_nan": '''
@triton.jit
def _maximum_nan(a, b):
    # max that propagates NaN, as torch's max and the CPU backend
    return tl.maximum(a, b, propagate_nan=tl.PropagateNan.ALL)
''',
    "_minimum_nan": '''
@triton.jit
def _minimum_nan(a, b):
    # min that propagates NaN, as torch's min and the CPU backend
    return tl.minimum(a, b, propagate_nan=tl.PropagateNan.ALL)
''',
    "_div_trunc": '''
@triton.jit
def _div_trunc(x, y):
    # signed division that never traps, as on the CPU: x / 0 -> x, x / -1 -> -x (wrapping)
    safe = tl.where((y == 0) | (y == -1), 1, y)
    return tl.where(y == -1, -x, x // safe)
''',
    "_div_floor": '''
@triton.jit
def _div_floor(x, y):
    # signed floor division that never traps (x // 0 -> x), as on the CPU
    q = _div_trunc(x, y)
    d = tl.where(y == 0, 1, y)
    r = x - q * d
    return tl.where((r != 0) & ((r < 0) != (d < 0)), q - 1, q)
''',
    "_mod_trunc": '''
@triton.jit
def _mod_trunc(x, y):
    # C remainder (sign of x) that never traps: x % 0 and x % -1 are 0
    return x % tl.where((y == 0) | (y == -1), 1, y)
''',
    "_ipow": '''
@triton.jit
def _ipow(x, e):
    # integer power: square-and-multiply over the exponent's low 7 bits, as on the CPU
    result = x * 0 + 1
    base = x
    for bit in tl.static_range(7):
        result = tl.where(((e >> bit) & 1) != 0, result * base, result)
        base = base * base
    return result
''',
    "_splitmix64": '''
@triton.jit
def _splitmix64(key_ptr, counter):
    # counter-based generator: any element is computed on its own (same bits as the CPU)
    key = tl.load(key_ptr).to(tl.uint64)
    offset = tl.load(key_ptr + 1).to(tl.uint64)
    z = key ^ ((offset + counter + 1) * 0x9E3779B97F4A7C15)
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB
    return z ^ (z >> 31)
''',
    "_rand_uniform": '''
@triton.jit
def _rand_uniform(key_ptr, counter):
    # uniform float32 in [0, 1): the top 24 bits times 2**-24
    return (_splitmix64(key_ptr, counter) >> 40).to(tl.float32) * 5.960464477539063e-08
''',
    "_rand_uniform64": '''
@triton.jit
def _rand_uniform64(key_ptr, counter):
    # uniform float64 in [0, 1): the top 53 bits times 2**-53
    return (_splitmix64(key_ptr, counter) >> 11).to(tl.float64) * 1.1102230246251565e-16
''',
}

DEPENDS = {"_div_floor": ("_div_trunc",), "_rand_uniform": ("_splitmix64",),
           "_rand_uniform64": ("_splitmix64",)}


def closure(names) -> list:
    """`names` plus the helpers they call, each after its dependencies, in a stable order."""
    out: list = []

    def add(n):
        for d in DEPENDS.get(n, ()):
            add(d)
        if n not in out:
            out.append(n)
    for n in names:
        add(n)
    return out
