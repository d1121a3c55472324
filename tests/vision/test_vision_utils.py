"""tjit.vision.utils.make_grid / save_image against torchvision's make_grid restated in torch
(tv_reference.make_grid, its loop of narrow().copy_() kept line by line)."""
import importlib.util
import struct
import zlib

import numpy as np
import pytest
import torch

import tjit
from tjit.vision.utils import make_grid, save_image
import tv_reference as ref

HAS_PIL = importlib.util.find_spec("PIL") is not None
RNG = np.random.default_rng(0)


def check(batch, **kwargs):
    ours = make_grid(tjit.tensor(batch), **kwargs)
    theirs = ref.make_grid(torch.tensor(batch), **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


@pytest.mark.parametrize("n,nrow,padding,pad_value", [(5, 2, 2, 0.0), (6, 3, 1, 0.5), (3, 8, 0, 0.0), (7, 4, 3, 1.0)])
def test_make_grid_layout(n, nrow, padding, pad_value):
    check(RNG.random((n, 3, 4, 5), dtype=np.float32), nrow=nrow, padding=padding, pad_value=pad_value)


@pytest.mark.parametrize("kwargs", [{"normalize": True}, {"normalize": True, "scale_each": True},
                                    {"normalize": True, "value_range": (-0.5, 0.5)},
                                    {"normalize": True, "value_range": (0.2, 0.3), "scale_each": True}])
def test_make_grid_normalize(kwargs):
    check((RNG.standard_normal((4, 1, 3, 3)) * 3).astype(np.float32), nrow=2, **kwargs)


def test_make_grid_single_images_and_lists():
    check(RNG.random((1, 6, 7), dtype=np.float32))  # one gray image -> 3 channels, no padding
    check(RNG.random((6, 7), dtype=np.float32))
    imgs = [tjit.rand(3, 4, 4) for _ in range(3)]
    assert tuple(make_grid(imgs, nrow=3).shape) == (3, 8, 20)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid([1, 2])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(tjit.rand(2, 3, 2, 2), normalize=True, value_range=[0, 1])


def test_make_grid_legacy_range_keyword():
    batch = (RNG.standard_normal((2, 3, 2, 2))).astype(np.float32)
    with pytest.warns(UserWarning, match="'range' is deprecated"):
        ours = make_grid(tjit.tensor(batch), normalize=True, range=(-1.0, 1.0))
    np.testing.assert_allclose(ours.numpy(), ref.make_grid(torch.tensor(batch), normalize=True,
                                                           value_range=(-1.0, 1.0)).numpy(), atol=1e-6)


def read_png(path):
    """Decode the 8-bit, filter-0 PNGs save_image writes without Pillow."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(tag + body)
        chunks[tag] = chunks.get(tag, b"") + body
        pos += 12 + length
    w, h, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, 1 + w * channels)
    assert depth == 8 and (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, channels)


def test_save_image_png(tmp_path):
    batch = RNG.random((3, 3, 4, 5), dtype=np.float32)
    path = tmp_path / "grid.png"
    save_image(tjit.tensor(batch), str(path), nrow=2, padding=1)
    grid = ref.make_grid(torch.tensor(batch), nrow=2, padding=1)
    expect = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
    pixels = np.asarray(__import__("PIL.Image").Image.open(path)) if HAS_PIL else read_png(path)
    np.testing.assert_array_equal(pixels, expect)
    save_image(tjit.tensor(batch[0]), filename=str(tmp_path / "one.png"))  # the manual's keyword
    assert (tmp_path / "one.png").stat().st_size > 0


@pytest.mark.skipif(HAS_PIL, reason="with Pillow every format is written")
def test_save_image_other_formats_need_pillow(tmp_path):
    with pytest.raises(ImportError, match="needs Pillow"):
        save_image(tjit.rand(3, 2, 2), str(tmp_path / "x.jpg"))
