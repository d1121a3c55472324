"""tjit.utils.model_zoo (torch.utils.model_zoo): load_url is hub.load_state_dict_from_url."""
from ..hub import load_state_dict_from_url as load_url  # noqa: F401
