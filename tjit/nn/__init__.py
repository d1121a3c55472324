"""tjit.nn: modules, parameters, functional forms, initialisers and utilities (torch.nn)."""
from .modules import *  # noqa: F401,F403  (first: the modules import functional, not the other way)
from . import functional, init, utils  # noqa: F401,E402
from .parameter import Buffer, Parameter  # noqa: F401,E402
