"""tjit.vision (torchvision): datasets, models, transforms and image utilities.  Pillow is
optional: without it everything works on tensors and numpy arrays, and the parts that hand
out or read PIL images say that they need it."""
from . import datasets, models, transforms, utils  # noqa: F401

_image_backend = "PIL"


def get_image_backend() -> str:
    return _image_backend


def set_image_backend(backend: str) -> None:
    global _image_backend
    if backend not in ("PIL", "accimage"):
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'")
    _image_backend = backend
