"""Random draws the data pipeline needs (torch.randperm, torch.multinomial, a fresh int64
seed), built from tjit's counter-based RNG and kernels so a seeded generator gives the same
sequence in the main process and in every worker."""
from __future__ import annotations

import tjit

_SEED_BOUND = 2 ** 63 - 1


def random_seed(generator=None) -> int:
    """torch.empty((), dtype=torch.int64).random_(generator=g).item(): a non-negative int64."""
    return int(tjit.randint(0, _SEED_BOUND, (), dtype=tjit.int64, generator=generator).item())


def randperm(n: int, generator=None) -> list:
    """A uniformly random permutation of range(n): the order that sorts n uniform float64 keys."""
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    if n == 0:
        return []
    keys = tjit.rand(n, dtype=tjit.float64, generator=generator)
    return tjit.argsort(keys).tolist()


def _check_weights(weights, num_samples: int, replacement: bool) -> None:
    """torch.multinomial's argument checks (one schedule for both reductions)."""
    if weights.ndim != 1:
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {weights.ndim}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = weights.shape[0]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    bad = (~tjit.isfinite(weights) | (weights < 0)).any()
    total = weights.sum()
    tjit.realize(bad, total)
    if bad.item():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if total.item() <= 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def multinomial(weights, num_samples: int, replacement: bool = False, generator=None) -> list:
    """Indices drawn with probability proportional to `weights` (a 1-D float64 tensor).

    Without replacement: exponential races (key = Exp(1) / w, the smallest keys win), the
    sequential weighted draw torch performs (zero weights come last).  With replacement: inverse-CDF sampling, where
    the count of CDF entries <= each draw comes from one stable sort of the CDF and the
    draws together followed by a running count."""
    _check_weights(weights, num_samples, replacement)
    n = weights.shape[0]
    if not replacement:
        races = -tjit.log1p(-tjit.rand(n, dtype=tjit.float64, generator=generator)) / weights
        return tjit.argsort(races)[:num_samples].tolist()
    cdf = tjit.cumsum(weights, 0)
    draws = tjit.rand(num_samples, dtype=tjit.float64, generator=generator) * cdf[-1]
    order = tjit.argsort(tjit.cat([cdf, draws]))  # stable: a CDF entry equal to a draw comes first
    below = tjit.cumsum((order < n).to(tjit.int64), 0)
    counts = tjit.zeros(n + num_samples, dtype=tjit.int64).scatter(0, order, below)[n:]
    return counts.clamp(max=n - 1).tolist()
