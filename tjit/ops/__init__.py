"""The op modules, and the binding of their functions as Tensor methods and operators."""
from . import comparison, creation, indexing, linalg, pointwise, reduction, shape  # noqa: F401
from .methods import bind

bind()
