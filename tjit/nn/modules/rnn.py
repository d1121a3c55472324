"""Recurrent layers: RNN, LSTM, GRU and their cells.

The input projections of all time steps are one matmul per layer and direction; each step
then adds one hidden-state matmul and its gate math, which fuses into the step's kernel.
Packed (variable-length) batches run padded with a per-step mask that keeps each
sequence's state fixed after its end, and reversed directions read each sequence backwards
within its own length.

torch runs a recurrent layer as one fused op even in eager mode.  Here, when no gradient is
recorded, the whole recurrence runs as a compiled plan (`tjit.compile`, traced once per input
shape): the time loop's Python (graph building for every step) runs once, not on every call.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ... import engine
from ..._prim import const
from ...autograd.grad_mode import is_grad_enabled
from ...ir import dtype as dt
from ...ops import creation as C, indexing as I, linalg as L, pointwise as P, shape as S
from .. import functional as F, init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence
from .module import Module

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _linear(x, w, b):
    y = L.matmul(x, S.t(w))
    return y + b if b is not None else y


def _cell(mode, pre_x, h, c, w_hh_t, b_hh, w_hr=None):
    """One step from the input projection `pre_x` (x W_ih^T + b_ih, and for an LSTM also
    + b_hh: added once for all steps) and the state; `w_hh_t` is W_hh transposed."""
    if mode == "LSTM":
        i, f, g, o = S.chunk(pre_x + L.matmul(h, w_hh_t), 4, -1)
        c = P.sigmoid(f) * c + P.sigmoid(i) * P.tanh(g)
        h = P.sigmoid(o) * P.tanh(c)
        return (_linear(h, w_hr, None) if w_hr is not None else h), c
    pre_h = L.matmul(h, w_hh_t)
    pre_h = pre_h + b_hh if b_hh is not None else pre_h
    if mode == "GRU":
        xr, xz, xn = S.chunk(pre_x, 3, -1)
        hr, hz, hn = S.chunk(pre_h, 3, -1)
        r, z = P.sigmoid(xr + hr), P.sigmoid(xz + hz)
        n = P.tanh(xn + r * hn)
        return (1 - z) * n + z * h, None
    act = P.tanh if mode == "RNN_TANH" else F.relu
    return act(pre_x + pre_h), None


def _reverse_time(x, lengths):
    """Each sequence of a (T, B, ...) batch reversed within its own length."""
    steps, batch = x.shape[:2]
    if lengths is None or (lengths == steps).all():
        return S.flip(x, (0,))
    t = np.arange(steps)[:, None]
    index = np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
    idx = C.tensor(index, dtype=dt.int64)
    idx = S.expand(S.reshape(idx, (steps, batch) + (1,) * (x.ndim - 2)), tuple(x.shape))
    return I.gather(x, 0, idx)


class RNNBase(Module):
    """Parameters named weight_ih_l{k}[_reverse] etc., in torch's order."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        self._check_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names, self._all_weights = [], []
        real_hidden = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(C.empty(shape, dtype=dtype, device=device)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @staticmethod
    def _check_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size):
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """cuDNN weight packing has no meaning here."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- running ---------------------------------------------------------------------------
    def _layer_params(self, layer: int, direction: int):
        suffix = "_reverse" if direction == 1 else ""
        get = lambda n: getattr(self, f"{n}_l{layer}{suffix}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def _direction(self, x, h, c, layer, direction, lengths):
        """One layer, one direction over a (T, B, I) batch: outputs (T, B, H) and last state."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_params(layer, direction)
        if direction == 1:
            x = _reverse_time(x, lengths)
        pre = _linear(x, w_ih, b_ih)
        if self.mode == "LSTM" and b_hh is not None:  # both biases sum into every gate: once
            pre = pre + b_hh
        w_hh_t = S.t(w_hh)
        outs = []
        for t in range(x.shape[0]):
            h_new, c_new = _cell(self.mode, pre[t], h, c, w_hh_t, b_hh, w_hr)
            if lengths is not None and (lengths <= t).any():
                alive = S.unsqueeze(C.tensor(lengths > t), 1)
                h_new = P.where(alive, h_new, h)
                c_new = P.where(alive, c_new, c) if c is not None else None
            h, c = h_new, c_new
            outs.append(h)
        out = S.stack(outs, 0)
        if direction == 1:
            out = _reverse_time(out, lengths)
        return out, h, c

    def _run(self, x, hx, lengths):
        """All layers over a time-major batch; hx is h0 or (h0, c0)."""
        h0, c0 = hx if isinstance(hx, tuple) else (hx, None)
        directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                out, h, c = self._direction(x, h0[k], c0[k] if c0 is not None else None, layer, d, lengths)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = S.cat(outs, -1) if directions == 2 else outs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        hidden = S.stack(h_n, 0)
        return x, ((hidden, S.stack(c_n, 0)) if c0 is not None else hidden)

    def _zeros_state(self, batch, dtype):
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        h = const(0, dtype, (self.num_layers * directions, batch, real_hidden))
        if self.mode == "LSTM":
            return h, const(0, dtype, (self.num_layers * directions, batch, self.hidden_size))
        return h

    def _check_hidden(self, hx, batch):
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        expected = (self.num_layers * directions, batch, real_hidden)
        h = hx[0] if isinstance(hx, tuple) else hx
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(h.shape)}")
        if isinstance(hx, tuple):
            expected = (self.num_layers * directions, batch, self.hidden_size)
            if tuple(hx[1].shape) != expected:
                raise RuntimeError(f"Expected hidden[1] size {expected}, got {list(hx[1].shape)}")

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if input.ndim not in (2, 3):
            raise ValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        batched = input.ndim == 3
        x = input if batched else S.unsqueeze(input, 0 if self.batch_first else 1)
        if self.batch_first:
            x = S.transpose(x, 0, 1)
        self._check_input(x)
        if hx is None:
            hx = self._zeros_state(x.shape[1], x.dtype)
        elif not batched:
            hx = tuple(S.unsqueeze(h, 1) for h in hx) if isinstance(hx, tuple) else S.unsqueeze(hx, 1)
        self._check_hidden(hx, x.shape[1])
        out, hidden = self._recurrence(x, hx)
        if self.batch_first:
            out = S.transpose(out, 0, 1)
        if not batched:
            out = S.squeeze(out, 0 if self.batch_first else 1)
            hidden = tuple(S.squeeze(h, 1) for h in hidden) if isinstance(hidden, tuple) else S.squeeze(hidden, 1)
        return out, hidden

    def _recurrence(self, x, hx):
        """`_run` over an unpacked batch: compiled when no gradient is recorded (see the
        module docstring); eagerly while recording, while tracing, or when tracing failed."""
        h0, c0 = hx if isinstance(hx, tuple) else (hx, None)
        recording = is_grad_enabled() and any(t is not None and t.requires_grad
                                              for t in (x, h0, c0, *self.parameters()))
        if not recording and engine.tracing is None:
            from ...compiled import NOT_COMPILED, replay_method
            out = replay_method(self._run_states, x, h0, c0)
            if out is not NOT_COMPILED:
                return out
        return self._run(x, hx, None)

    def _run_states(self, x, h0, c0):
        return self._run(x, (h0, c0) if c0 is not None else h0, None)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_compiled__run_states", None)  # compiled code is rebuilt, not pickled or copied
        return state

    def _check_input(self, x):
        if x.dtype != self._flat_weights[0].dtype:
            raise ValueError(f"RNN input dtype ({x.dtype}) does not match weight dtype ({self._flat_weights[0].dtype})"
                             f". Convert input: input.to({self._flat_weights[0].dtype}), or convert model: "
                             f"model.to({x.dtype})")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{x.shape[-1]}")

    def _forward_packed(self, packed, hx):
        padded, lengths = pad_packed_sequence(PackedSequence(packed.data, packed.batch_sizes))
        self._check_input(padded)
        lens = np.asarray(lengths.tolist(), dtype=np.int64)
        if hx is None:
            hx = self._zeros_state(padded.shape[1], padded.dtype)
        elif packed.sorted_indices is not None:
            hx = self._permute(hx, packed.sorted_indices)
        self._check_hidden(hx, padded.shape[1])
        out, hidden = self._run(padded, hx, lens)
        data = pack_padded_sequence(out, lens).data
        if packed.unsorted_indices is not None:
            hidden = self._permute(hidden, packed.unsorted_indices)
        return PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), hidden

    @staticmethod
    def _permute(hx, order):
        if isinstance(hx, tuple):
            return tuple(I.index_select(h, 1, order) for h in hx)
        return I.index_select(hx, 1, order)


class RNN(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)


class LSTM(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)


class RNNCellBase(Module):
    _mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(C.empty((num_chunks * hidden_size, input_size), dtype=dtype, device=device))
        self.weight_hh = Parameter(C.empty((num_chunks * hidden_size, hidden_size), dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(C.empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(C.empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _step(self, input, hx):
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        batched = input.ndim == 2
        x = input if batched else S.unsqueeze(input, 0)
        zeros = const(0, x.dtype, (x.shape[0], self.hidden_size))
        if hx is None:
            hx = (zeros, zeros) if self._mode == "LSTM" else zeros
        elif not batched:
            hx = tuple(S.unsqueeze(h, 0) for h in hx) if isinstance(hx, tuple) else S.unsqueeze(hx, 0)
        h, c = hx if isinstance(hx, tuple) else (hx, None)
        pre = _linear(x, self.weight_ih, self.bias_ih)
        if self._mode == "LSTM" and self.bias_hh is not None:
            pre = pre + self.bias_hh
        h, c = _cell(self._mode, pre, h, c, S.t(self.weight_hh), self.bias_hh)
        out = (h, c) if self._mode == "LSTM" else h
        if not batched:
            out = tuple(S.squeeze(o, 0) for o in out) if isinstance(out, tuple) else S.squeeze(out, 0)
        return out


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    @property
    def _mode(self):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input, hx=None):
        return self._step(input, hx)


class LSTMCell(RNNCellBase):
    _mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)


class GRUCell(RNNCellBase):
    _mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)

