"""Pillow, imported on first use: it is an optional extra (pip install tjit[vision]), needed
only where torchvision hands out or reads PIL images."""
from __future__ import annotations


def image_module():
    """PIL.Image, or an ImportError saying which feature needed it and how to install it."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("this part of tjit.vision works on PIL images and needs Pillow: "
                          "pip install 'tjit[vision]' (or pip install Pillow)") from e
    return Image


def is_pil_image(obj) -> bool:
    """True for a PIL image, without importing Pillow when it was never imported."""
    import sys
    pil = sys.modules.get("PIL.Image")
    return pil is not None and isinstance(obj, pil.Image)
