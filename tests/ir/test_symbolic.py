"""The index simplifier: reshape round trips must come back as plain affine indices."""
import itertools

import pytest

from tjit.ir import symbolic as sym


def evaluate(e: sym.Lin, env: dict) -> int:
    total = e.const
    for a, c in e.terms:
        if isinstance(a, sym.Var):
            v = env[a.name]
        elif isinstance(a, sym.Ranged):
            v = evaluate(a.num, env)
        elif isinstance(a, sym.Div):
            v = evaluate(a.num, env) // a.d
        else:
            v = evaluate(a.num, env) % a.d
        total += c * v
    return total


def test_unflatten_then_flatten_is_identity():
    i = sym.var("i", 24)
    assert sym.flatten(sym.unflatten(i, (2, 3, 4)), (2, 3, 4)) == i


def test_reshape_between_compatible_shapes_has_no_divmod():
    j, k = sym.var("j", 6), sym.var("k", 4)
    flat = sym.flatten([j, k], (6, 4))
    idx = sym.unflatten(flat, (2, 3, 4))
    assert not sym.has_divmod(idx[2])
    assert str(idx[2]) == "k"
    # merging back the two leading axes cancels the div/mod pair
    assert sym.flatten(idx, (2, 3, 4)) == flat


def test_strided_slice_view_simplifies():
    i, j = sym.var("i", 3), sym.var("j", 3)
    flat = sym.lin(6) + i * 6 + j * 2  # x[1:, ::2] of a (4, 6) base
    row, col = sym.unflatten(flat, (4, 6))
    assert not sym.has_divmod(row) and not sym.has_divmod(col)


@pytest.mark.parametrize("shape", [(2, 3, 4), (5, 1, 7), (3, 8)])
def test_simplified_expressions_evaluate_like_python(shape):
    n = 1
    for s in shape:
        n *= s
    f = sym.var("f", n)
    idx = sym.unflatten(f * 1 + 0, shape)
    for v in range(n):
        expect = []
        rem = v
        for s in reversed(shape):
            expect.append(rem % s)
            rem //= s
        assert [evaluate(e, {"f": v}) for e in idx] == expect[::-1]


def test_floor_semantics_for_negative_numerators():
    i = sym.var("i", 10)
    e = i - 5
    for v in range(10):
        assert evaluate(sym.floordiv(e, 3), {"i": v}) == (v - 5) // 3
        assert evaluate(sym.mod(e, 3), {"i": v}) == (v - 5) % 3


def test_bounds():
    i, j = sym.var("i", 4), sym.var("j", 5)
    e = i * 5 - j + 2
    assert (e.lo, e.hi) == (-2, 17)
    vals = [evaluate(e, {"i": a, "j": b}) for a, b in itertools.product(range(4), range(5))]
    assert min(vals) == e.lo and max(vals) == e.hi


def test_padded_read_simplifies_under_its_valid_bounds():
    """x[i - 1] of a padded row, then a reshape: where the mask 0 <= i - 1 <= 23 holds the
    div/mod cancel, and the value is still computed exactly there."""
    r, i = sym.var("r", 4), sym.var("i", 26)
    shifted = sym.ranged(i - 1, 0, 23)
    flat = r * 24 + shifted
    row, col = sym.unflatten(flat, (4, 24))
    assert not sym.has_divmod(row) and not sym.has_divmod(col)
    for rv, iv in itertools.product(range(4), range(1, 25)):
        env = {"r": rv, "i": iv}
        assert (evaluate(row, env), evaluate(col, env)) == (rv, iv - 1)
    assert sym.ranged(i, 0, 30) == i  # already within bounds: unchanged


def test_true_bounds_see_through_mask_bounds():
    i = sym.var("i", 26)
    e = sym.ranged(i - 1, 0, 23) * 24 + 100
    assert (e.lo, e.hi) == (100, 100 + 23 * 24)
    assert sym.true_bounds(e) == (100 - 24, 100 + 24 * 24)
