"""Reduction code generation strategies, checked against float64 references."""
import numpy as np
import pytest

import tjit
from tjit.codegen.llvm import emit


@pytest.mark.parametrize("shape", [(256, 40), (7, 13), (1000, 9), (3, 2, 50)])
def test_column_reductions(shape):
    """Sums over rows (bias gradients) reduce 8 neighbouring outputs side by side with 4
    interleaved partial sums each; remainders and nested reduce loops included."""
    a = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    x = tjit.from_numpy(a)
    y = x.relu().sum(0) if len(shape) == 2 else x.sum((0, 1))
    k = tjit.debug.schedule(y).items[0].kernel
    assert emit._column_reduction(k)
    ref = np.maximum(a, 0).astype(np.float64).sum(0) if len(shape) == 2 else a.astype(np.float64).sum((0, 1))
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5, atol=1e-5)
