"""tjit.optim: torch's optimizers and learning-rate schedulers, with each step compiled
into a few fused kernels (see optimizer.py).

Kernels per step: one per tensor the step writes, all in one schedule (the update of a
parameter and of each of its state buffers is one fused kernel).  Per parameter: SGD 1 (2
with momentum), ASGD 2, Adagrad 2, RMSprop 2 (3 with momentum or centered, 4 with both),
Adam/AdamW/Adamax/Adadelta/Rprop 3 (Adam and AdamW 4 with amsgrad); checked by
tests/optim/test_optim_api.py.  The schedule is compiled at the first step (the second as
well for SGD with momentum, whose first step has another form) and reused by every later
step, learning-rate schedules included.  LBFGS decides on the host after each evaluation and
runs a few small kernels per iteration, also reused from its first iterations on.
"""
from . import lr_scheduler  # noqa: F401
from .adadelta import Adadelta  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .adamax import Adamax  # noqa: F401
from .asgd import ASGD  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .rprop import Rprop  # noqa: F401
from .sgd import SGD  # noqa: F401

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "ASGD", "LBFGS", "Optimizer", "RMSprop", "Rprop", "SGD",
           "lr_scheduler"]
