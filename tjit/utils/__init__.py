"""tjit.utils (torch.utils): data loading and the model zoo."""
from . import data, model_zoo  # noqa: F401
