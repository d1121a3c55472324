"""tjit.utils.data datasets, samplers and collation against torch.utils.data.

Where torch's output is deterministic (sequential sampling, batching, split lengths,
collation, argument errors) the two are compared directly.  Random draws come from different
generators (tjit's counter-based RNG vs torch's Mersenne twister), so for those the tests
check the properties torch guarantees: permutations, seeding reproducibility, distributions.
"""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import tjit
import tjit.utils.data as td


def to_np(x):
    return x.numpy() if isinstance(x, (torch.Tensor, tjit.Tensor)) else x


def assert_same_structure(a, b):
    """A tjit batch equals a torch batch: same containers, tensor values, dtypes and shapes."""
    if isinstance(b, torch.Tensor):
        assert isinstance(a, tjit.Tensor), type(a)
        assert a.dtype.name == str(b.dtype).removeprefix("torch."), (a.dtype, b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(b, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in b:
            assert_same_structure(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a).__name__ == type(b).__name__ and len(a) == len(b), (type(a), type(b))
        for x, y in zip(a, b):
            assert_same_structure(x, y)
    else:
        assert type(a) is type(b) and (a == b if not isinstance(b, np.ndarray) else np.array_equal(a, b))


# -- datasets ----------------------------------------------------------------------------------
def test_tensor_dataset_indexing_and_legacy_keywords():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.arange(4)
    ours = td.TensorDataset(tjit.tensor(x), tjit.tensor(y))
    ref = tud.TensorDataset(torch.tensor(x), torch.tensor(y))
    assert len(ours) == len(ref) == 4
    for i in (0, 3, -1):
        assert_same_structure(ours[i], ref[i])
    legacy = td.TensorDataset(data_tensor=tjit.tensor(x), target_tensor=tjit.tensor(y))
    assert len(legacy.tensors) == 2 and legacy.target_tensor is legacy.tensors[1]
    with pytest.raises(AssertionError, match="Size mismatch"):
        td.TensorDataset(tjit.zeros(3), tjit.zeros(4))


class Squares(td.Dataset):
    def __init__(self, n, base=0):
        self.n, self.base = n, base

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.base + i * i

    def __len__(self):
        return self.n


class TorchSquares(tud.Dataset):
    def __init__(self, n, base=0):
        self.n, self.base = n, base

    def __getitem__(self, i):
        return self.base + i * i

    def __len__(self):
        return self.n


def test_concat_dataset_matches_torch():
    ours = td.ConcatDataset([Squares(3), Squares(4, 100), Squares(2, 1000)])
    ref = tud.ConcatDataset([TorchSquares(3), TorchSquares(4, 100), TorchSquares(2, 1000)])
    assert isinstance(Squares(1) + Squares(2), td.ConcatDataset)
    assert ours.cumulative_sizes == ref.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [ref[i] for i in range(-9, 9)]
    with pytest.raises(ValueError, match="absolute value of index"):
        ours[-10]


def test_subset_and_getitems():
    ds = Squares(10)
    sub = td.Subset(ds, [5, 1, 7])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [25, 1, 49]
    assert sub.__getitems__([2, 0]) == [49, 25]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33]])
def test_random_split_lengths_match_torch_and_partition(lengths):
    ours = td.random_split(Squares(10), lengths, generator=tjit.Generator().manual_seed(0))
    ref = tud.random_split(TorchSquares(10), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in ref]
    assert sorted(i for s in ours for i in s.indices) == list(range(10))
    again = td.random_split(Squares(10), lengths, generator=tjit.Generator().manual_seed(0))
    assert [s.indices for s in again] == [s.indices for s in ours]


def test_random_split_errors_match_torch():
    for lengths in ([3, 3], [1.5, -0.5]):
        with pytest.raises(ValueError) as ref:
            tud.random_split(TorchSquares(10), lengths)
        with pytest.raises(ValueError) as ours:
            td.random_split(Squares(10), lengths)
        assert str(ours.value) == str(ref.value)
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        td.random_split(Squares(2), [1.0, 0.0])


def test_stack_and_chain_datasets():
    st = td.StackDataset(Squares(3), Squares(3, 10))
    assert st[2] == (4, 14) and len(st) == 3
    assert td.StackDataset(a=Squares(2), b=Squares(2, 5))[1] == {"a": 1, "b": 6}

    class Count(td.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n
    chained = Count(2) + Count(3)
    assert isinstance(chained, td.ChainDataset) and list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5


# -- samplers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (5, False), (1, True)])
def test_sequential_and_batch_sampler_match_torch(batch_size, drop_last):
    ours = td.BatchSampler(td.SequentialSampler(range(10)), batch_size, drop_last)
    ref = tud.BatchSampler(tud.SequentialSampler(range(10)), batch_size, drop_last)
    assert list(ours) == list(ref) and len(ours) == len(ref)


@pytest.mark.parametrize("args", [(0, False), (2, None), (True, False), (2.0, False)])
def test_batch_sampler_errors_match_torch(args):
    with pytest.raises(ValueError) as ref:
        tud.BatchSampler(range(3), *args)
    with pytest.raises(ValueError) as ours:
        td.BatchSampler(range(3), *args)
    assert str(ours.value) == str(ref.value)


def test_random_sampler_is_a_seeded_permutation():
    ours = td.RandomSampler(range(20), generator=tjit.Generator().manual_seed(7))
    first = list(ours)
    assert sorted(first) == list(range(20)) and len(ours) == 20
    assert list(td.RandomSampler(range(20), generator=tjit.Generator().manual_seed(7))) == first
    tjit.manual_seed(3)
    a = list(td.RandomSampler(range(20)))
    tjit.manual_seed(3)
    assert list(td.RandomSampler(range(20))) == a  # the private generator is seeded from the global one


def test_random_sampler_num_samples_and_replacement():
    s = td.RandomSampler(range(5), num_samples=12, generator=tjit.Generator().manual_seed(1))
    out = list(s)
    assert len(out) == len(s) == 12 and sorted(out[:5]) == sorted(out[5:10]) == list(range(5))
    r = td.RandomSampler(range(4), replacement=True, num_samples=70, generator=tjit.Generator().manual_seed(1))
    out = list(r)
    assert len(out) == 70 and set(out) == {0, 1, 2, 3}


@pytest.mark.parametrize("kwargs", [{"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.5}])
def test_random_sampler_errors_match_torch(kwargs):
    with pytest.raises(Exception) as ref:
        tud.RandomSampler(range(3), **kwargs)
    with pytest.raises(type(ref.value)) as ours:
        td.RandomSampler(range(3), **kwargs)
    assert str(ours.value) == str(ref.value)


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    s = td.SubsetRandomSampler(idx, generator=tjit.Generator().manual_seed(0))
    out = list(s)
    assert sorted(out) == idx and len(s) == 4


def test_weighted_random_sampler_distribution():
    w = [1.0, 0.0, 3.0, 6.0]
    out = list(td.WeightedRandomSampler(w, 20000, generator=tjit.Generator().manual_seed(0)))
    freq = np.bincount(out, minlength=4) / len(out)
    np.testing.assert_allclose(freq, np.array(w) / 10, atol=0.015)
    no_rep = list(td.WeightedRandomSampler(w, 3, replacement=False, generator=tjit.Generator().manual_seed(0)))
    assert sorted(no_rep) == [0, 2, 3]
    legacy = td.WeightedRandomSampler(w, 5, replace=False)
    assert legacy.replacement is False
    # without replacement the first draw follows the weights too
    firsts = collections.Counter(
        next(iter(td.WeightedRandomSampler(w, 2, replacement=False, generator=tjit.Generator().manual_seed(s))))
        for s in range(300))
    assert firsts[3] > firsts[2] > firsts[0] and firsts[1] == 0


@pytest.mark.parametrize("weights,n,rep", [([1.0, 2.0], 0, True), ([[1.0, 2.0]], 1, True), ([1.0, 2.0], 1, 1)])
def test_weighted_random_sampler_errors_match_torch(weights, n, rep):
    with pytest.raises(ValueError) as ref:
        tud.WeightedRandomSampler(weights, n, rep)
    with pytest.raises(ValueError) as ours:
        td.WeightedRandomSampler(weights, n, rep)
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("weights,n,rep", [([1.0, -1.0], 1, True), ([0.0, 0.0], 1, True), ([1.0, 2.0], 3, False)])
def test_weighted_sampling_errors_match_torch_multinomial(weights, n, rep):
    with pytest.raises(RuntimeError) as ref:
        list(tud.WeightedRandomSampler(weights, n, rep))
    with pytest.raises(RuntimeError) as ours:
        list(td.WeightedRandomSampler(weights, n, rep))
    assert str(ours.value) == str(ref.value)


# -- collation ---------------------------------------------------------------------------------
Point = collections.namedtuple("Point", "x y")


def _samples(lib):
    t = (lambda a: lib.tensor(a))
    return [
        {"img": t(np.full((2, 3), i, np.float32)), "label": i, "score": 0.5 * i, "name": f"s{i}",
         "arr": np.arange(3, dtype=np.int16) + i, "np_scalar": np.float32(i), "flag": bool(i % 2),
         "pair": (t([i, i + 1]), [i, -i]), "pt": Point(i, float(i))}
        for i in range(3)]


def test_default_collate_matches_torch():
    ours = td.default_collate(_samples(tjit))
    ref = tud.default_collate(_samples(torch))
    assert_same_structure(ours, ref)


def test_default_collate_errors_match_torch():
    for batch in ([object(), object()], [np.array(["a"]), np.array(["b"])], [[1, 2], [3]]):
        with pytest.raises((TypeError, RuntimeError)) as ref:
            tud.default_collate(batch)
        with pytest.raises(type(ref.value)) as ours:
            td.default_collate(batch)
        assert str(ours.value) == str(ref.value)


def test_default_collate_keeps_autograd():
    a = tjit.ones(2, requires_grad=True)
    out = td.default_collate([a, a * 2])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])


def test_default_collate_of_views_reads_storage_without_a_kernel_per_offset():
    base = tjit.arange(40, dtype=tjit.float32).reshape(10, 4)
    batch = td.default_collate([base[i] for i in (7, 2, 9)])
    np.testing.assert_array_equal(batch.numpy(), np.arange(40).reshape(10, 4)[[7, 2, 9]])
    t = base.t()  # a non-contiguous view
    batch = td.default_collate([t[1], t[3]])
    np.testing.assert_array_equal(batch.numpy(), np.arange(40).reshape(10, 4).T[[1, 3]])


def test_default_convert_matches_torch():
    data = {"a": np.arange(3), "b": (np.float64(2.5), [np.int32(1), "s"]), "c": Point(np.ones(2), 3)}
    assert_same_structure(td.default_convert(data), tud.default_convert(data))


def test_worker_info_is_none_in_main_process():
    assert td.get_worker_info() is None


def test_sampler_data_source_argument_warns():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        td.Sampler(range(3))
    assert "data_source" in str(w[0].message)
