"""Variable-length sequences: PackedSequence and the pack / pad conversions.

Sequence lengths live on the host (torch requires them on the CPU too), so which padded
position lands where is index setup computed with numpy; the data itself moves through one
gather per conversion.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..._prim import const
from ..._tensor import Tensor
from ...ir import dtype as dt
from ...ops import creation as C, indexing as I, shape as S

_PackedSequenceBase = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """Time-major concatenation of the valid steps of a batch of sequences sorted by length:
    `data[offset(t):offset(t) + batch_sizes[t]]` holds step t of the batch_sizes[t] longest."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._with_data(data)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        return self.to("cuda")

    def double(self):
        return self.to(dtype=dt.float64)

    def float(self):
        return self.to(dtype=dt.float32)

    def half(self):
        return self.to(dtype=dt.float16)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation):
    if permutation is None:
        return None
    p = np.asarray(permutation.tolist(), dtype=np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size)
    return C.tensor(inv, dtype=dt.int64)


def _lengths(lengths) -> np.ndarray:
    vals = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return np.asarray(vals, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded (T, B, *) batch (B, T, * with batch_first) of sequences of `lengths`."""
    lens = _lengths(lengths)
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        order = np.arange(lens.size)
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = C.tensor(order, dtype=dt.int64)
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    x = S.transpose(input, 0, 1) if batch_first else input
    steps, batch = x.shape[0], x.shape[1]
    if lens.max() > steps:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to {lens.max()}, got {steps}")
    sorted_lens = lens[order]
    batch_sizes = np.array([(sorted_lens > t).sum() for t in range(int(sorted_lens.max()))], dtype=np.int64)
    rows = np.concatenate([t * batch + order[:n] for t, n in enumerate(batch_sizes)])
    flat = S.reshape(x, (steps * batch,) + tuple(x.shape[2:]))
    data = I.index_select(flat, 0, C.tensor(rows, dtype=dt.int64))
    return PackedSequence(data, C.tensor(batch_sizes, dtype=dt.int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded, lengths) in the original batch order."""
    data, batch_sizes = sequence.data, np.asarray(sequence.batch_sizes.tolist(), dtype=np.int64)
    steps, batch = batch_sizes.size, int(batch_sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    unsorted = (np.asarray(sequence.unsorted_indices.tolist(), dtype=np.int64)
                if sequence.unsorted_indices is not None else np.arange(batch))
    index = np.full((steps, batch), data.shape[0], dtype=np.int64)  # default: the padding row
    for t, (off, n) in enumerate(zip(offsets, batch_sizes)):
        valid = unsorted < n  # unsorted[b]: the sorted position of original sequence b
        index[t, valid] = off + unsorted[valid]
    padded_data = S.cat([data, const(padding_value, data.dtype, (1,) + tuple(data.shape[1:]))])
    out = I.index_select(padded_data, 0, C.tensor(index.reshape(-1), dtype=dt.int64))
    out = S.reshape(out, (steps, batch) + tuple(data.shape[1:]))
    lengths = np.array([(batch_sizes > s).sum() for s in unsorted], dtype=np.int64)
    if batch_first:
        out = S.transpose(out, 0, 1)
    return out, C.tensor(lengths, dtype=dt.int64)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths, padded to the longest: (T, B, *) or (B, T, *)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    longest = max(s.shape[0] for s in sequences)
    from ..functional.padding import constant_pad
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        widths = [((extra, 0) if padding_side == "left" else (0, extra))] + [(0, 0)] * (s.ndim - 1)
        padded.append(constant_pad(s, widths, padding_value))
    return S.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    x = padded_sequences if batch_first else S.transpose(padded_sequences, 0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_lengths(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
