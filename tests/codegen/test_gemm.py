"""The packed GEMM path for CONTRACT kernels: edge shapes, layouts, batches, epilogues."""
import numpy as np
import pytest

import tjit
from tjit.codegen.llvm import gemm

rng = np.random.default_rng(0)


def arr(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def uses_gemm(t) -> bool:
    return any(gemm.plan(it.kernel) is not None for it in tjit.debug.schedule(t).items if it.kernel)


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (1, 37, 5), (5, 37, 1), (7, 17, 3), (13, 300, 29), (97, 5, 101),
                                   (64, 64, 64), (257, 129, 100)])
def test_shapes(m, k, n):
    a, b = arr(m, k), arr(k, n)
    y = tjit.tensor(a) @ tjit.tensor(b)
    assert uses_gemm(y)
    np.testing.assert_allclose(y.numpy(), a @ b, rtol=2e-5, atol=2e-5 * np.sqrt(k))


def test_k_zero_gives_zeros():
    y = tjit.tensor(arr(3, 0)) @ tjit.tensor(arr(0, 4))
    np.testing.assert_array_equal(y.numpy(), np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("ta,tb", [(True, False), (False, True), (True, True)])
def test_transposed_operands_without_copies(ta, tb):
    a, b = arr(19, 23), arr(23, 11)
    x = tjit.tensor(a.T.copy()).t() if ta else tjit.tensor(a)
    w = tjit.tensor(b.T.copy()).t() if tb else tjit.tensor(b)
    y = x @ w
    assert len(tjit.debug.schedule(y).items) == 1 and uses_gemm(y)
    np.testing.assert_allclose(y.numpy(), a @ b, rtol=1e-5, atol=1e-4)


def test_strided_slice_operand():
    a = arr(40, 30)
    x = tjit.tensor(a)[::2, 1::3]
    b = arr(10, 6)
    np.testing.assert_allclose((x @ tjit.tensor(b)).numpy(), a[::2, 1::3] @ b, rtol=1e-5, atol=1e-4)


def test_batched_and_broadcast():
    a, b = arr(4, 9, 7), arr(7, 5)
    np.testing.assert_allclose((tjit.tensor(a) @ tjit.tensor(b)).numpy(), a @ b, rtol=1e-5, atol=1e-4)
    a, b = arr(2, 3, 9, 7), arr(3, 7, 5)
    y = tjit.tensor(a) @ tjit.tensor(b)
    assert uses_gemm(y)
    np.testing.assert_allclose(y.numpy(), a @ b, rtol=1e-5, atol=1e-4)


def test_fused_epilogue_bias_activation_residual():
    x, w, bias, res = arr(33, 20), arr(20, 40), arr(40), arr(33, 40)
    y = tjit.maximum(tjit.tensor(x) @ tjit.tensor(w) + tjit.tensor(bias), tjit.tensor(0.0)) + tjit.tensor(res)
    s = tjit.debug.schedule(y)
    assert len(s.items) == 1 and uses_gemm(y)
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ w + bias, 0) + res, rtol=1e-5, atol=1e-4)


def test_float64():
    a, b = arr(31, 17, dtype=np.float64), arr(17, 45, dtype=np.float64)
    y = tjit.tensor(a) @ tjit.tensor(b)
    assert uses_gemm(y)
    np.testing.assert_allclose(y.numpy(), a @ b, rtol=1e-12)


def test_threads_split_rows_identically():
    a, b = arr(300, 64), arr(64, 70)
    outs = []
    for n in (1, 2):
        tjit.set_num_threads(n)
        outs.append((tjit.tensor(a) @ tjit.tensor(b)).numpy())
    tjit.set_num_threads(2)
    np.testing.assert_array_equal(outs[0], outs[1])


def test_im2col_view_operand_uses_gemm():
    """A convolution as windows (as_strided) @ weights: packing reads the view directly."""
    img, w = arr(2, 3, 10, 10), arr(4, 3, 3, 3)
    x = tjit.tensor(img)
    cols = x.unfold(2, 3, 1).unfold(3, 3, 1)            # (2, 3, 8, 8, 3, 3)
    cols = cols.permute(0, 2, 3, 1, 4, 5).reshape(2, 64, 27)
    y = cols @ tjit.tensor(w).reshape(4, 27).t()        # (2, 64, 4)
    assert uses_gemm(y)
    ref = np.zeros((2, 8, 8, 4), np.float32)
    for i in range(8):
        for j in range(8):
            ref[:, i, j] = np.einsum("bckl,ockl->bo", img[:, :, i:i + 3, j:j + 3], w)
    np.testing.assert_allclose(y.numpy().reshape(2, 8, 8, 4), ref, rtol=1e-4, atol=1e-4)


def test_prologue_is_evaluated_while_packing():
    a, b = arr(20, 30), arr(30, 10)
    y = (tjit.tensor(a) * 2).exp() @ tjit.tensor(b).tanh()
    np.testing.assert_allclose(y.numpy(), np.exp(a * 2) @ np.tanh(b), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("m,k,n", [(1, 300, 129), (5, 7, 200), (32, 256, 1024), (64, 33, 65)])
def test_small_batch_times_transposed_weight_reads_weight_in_place(m, k, n):
    """x @ W.T + b with few rows: the GEMM is computed as (W x^T)^T with W read in place
    (no packing), the bias and ReLU still fused as the epilogue."""
    rng = np.random.default_rng(m + n)
    xa, wa, ba = (rng.standard_normal(s).astype(np.float32) for s in ((m, k), (n, k), (n,)))
    y = tjit.relu(tjit.from_numpy(xa) @ tjit.from_numpy(wa).t() + tjit.from_numpy(ba))
    items = tjit.debug.schedule(y).items
    assert len(items) == 1 and gemm.plan(items[0].kernel).direct_a
    np.testing.assert_allclose(y.numpy(), np.maximum(xa @ wa.T + ba, 0), rtol=1e-4, atol=1e-4)
