"""tjit: PyTorch's API on a compiler.  Tensor ops build a lazy graph; realizing it schedules
fused kernels, generates LLVM (CPU) or Triton (GPU) code, and runs it."""
from tjit.ir.dtype import (bfloat16, bool_ as bool, float16, float32, float64, int8, int16, int32, int64,  # noqa: F401
                           uint8, DType as dtype)

from . import state  # noqa: F401
from ._tensor import Size, Tensor, device  # noqa: F401
from . import ops as _ops
from .ops.creation import range_ as range  # noqa: F401
from ._tensor_str import get_printoptions, set_printoptions  # noqa: F401
from .api import (Generator, can_cast, default_generator, get_default_dtype, get_num_threads,  # noqa: F401
                  is_floating_point, is_nonzero, is_storage, is_tensor, load, numel,
                  promote_types, realize, result_type, save, set_default_dtype, set_default_tensor_type,
                  set_num_threads, typename)
from . import debug  # noqa: F401
from . import autograd  # noqa: F401
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import linalg  # noqa: F401


def _export_ops():
    """torch.<op>: every public function the op modules define."""
    g = globals()
    for mod in (_ops.creation, _ops.pointwise, _ops.comparison, _ops.reduction, _ops.shape, _ops.indexing,
                _ops.linalg):
        for name, fn in vars(mod).items():
            if name.startswith("_") or name in g or not callable(fn) or isinstance(fn, type):
                continue
            if getattr(fn, "__module__", "") == mod.__name__:
                g[name] = fn


_export_ops()
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
__version__ = "0.1.0"

from . import nn  # noqa: E402,F401
from . import optim  # noqa: E402,F401
from . import utils  # noqa: E402,F401
from .compiled import compile  # noqa: E402,F401


def load_compiled(path, module=None, optimizer=None):
    """Replay a `tjit.compile`d function saved with `.save(path)` (no tracing or compiling);
    `module` / `optimizer` supply the state of a compiled Module or training step."""
    from .compiled_artifact import load
    return load(path, module, optimizer)
from . import cuda, multiprocessing  # noqa: E402,F401  (multiprocessing registers tensor pickling)

_LAZY = ("hub", "vision")  # torchvision's and torch.hub's counterparts: imported on first use


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'tjit' has no attribute '{name}'")
