"""Checkpoint I/O at the numpy level: PyTorch's zip format and safetensors.

This package never imports torch.  Tensors are plugged in through callbacks
(``is_tensor`` / ``to_array`` when writing, ``from_array`` when reading), so the
tensor class of tjit is not imported here either.  Arrays cross the callback
boundary as C-contiguous numpy arrays together with a dtype *name*: one of
``float32 float64 float16 bfloat16 int8 int16 int32 int64 uint8 bool``
(``bfloat16`` travels as ``uint16`` bit patterns).

Modules, one job each:

* :mod:`.checkpoint` -- :func:`dump` / :func:`load` of torch's zip checkpoints
  (``torch.save`` format), built on
* :mod:`.zipwriter` (torch's aligned zip layout), :mod:`.pickler` (``data.pkl``
  with only the opcodes ``torch.load(weights_only=True)`` accepts),
  :mod:`.unpickler` (a data-only pickle interpreter) and :mod:`.allowlist` (the
  globals it may reference and their argument-checking stand-ins);
* :mod:`.safetensors` -- :func:`save_safetensors`, :func:`load_safetensors`,
  :func:`read_safetensors_metadata`;
* :mod:`.common` -- the dtype table, array coercion and file opening they share.
"""

from .checkpoint import dump, load
from .common import DTYPE_NAMES
from .safetensors import load_safetensors, read_safetensors_metadata, save_safetensors

__all__ = [
    "dump",
    "load",
    "save_safetensors",
    "load_safetensors",
    "read_safetensors_metadata",
    "DTYPE_NAMES",
]
