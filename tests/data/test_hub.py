"""tjit.hub.load_state_dict_from_url / tjit.utils.model_zoo.load_url: the cache, file:// and
local paths, hash prefixes, and the error without a network; hubconf.py entry points."""
import hashlib
import os
import zipfile

import numpy as np
import pytest
import torch

import tjit
import tjit.hub as hub
from tjit.utils import model_zoo


@pytest.fixture
def checkpoint(tmp_path):
    """A torch-written state dict whose name carries its sha256 prefix, as hub files do."""
    raw = tmp_path / "raw.pth"
    torch.save({"w": torch.arange(6.0).reshape(2, 3), "n": torch.tensor(7)}, raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    named = tmp_path / f"tiny-{digest[:8]}.pth"
    raw.rename(named)
    return named, digest


def check_loaded(sd):
    np.testing.assert_array_equal(sd["w"].numpy(), np.arange(6.0).reshape(2, 3))
    assert sd["n"].item() == 7 and isinstance(sd["w"], tjit.Tensor)


def test_file_url_is_copied_into_the_cache(checkpoint, tmp_path):
    path, _ = checkpoint
    cache = tmp_path / "cache"
    check_loaded(model_zoo.load_url(path.as_uri(), model_dir=str(cache), check_hash=True, progress=False))
    assert (cache / path.name).is_file()
    path.unlink()  # now only the cached copy exists
    check_loaded(hub.load_state_dict_from_url(path.as_uri(), model_dir=str(cache)))


def test_default_cache_dir_follows_torch_home_and_set_dir(checkpoint, tmp_path, monkeypatch):
    path, _ = checkpoint
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    assert hub.get_dir() == str(tmp_path / "home" / "hub")
    check_loaded(hub.load_state_dict_from_url(path.as_uri(), progress=False))
    assert (tmp_path / "home" / "hub" / "checkpoints" / path.name).is_file()
    hub.set_dir(str(tmp_path / "elsewhere"))
    assert hub.get_dir() == str(tmp_path / "elsewhere")


def test_local_path_and_file_name(checkpoint, tmp_path):
    path, _ = checkpoint
    check_loaded(hub.load_state_dict_from_url(str(path), check_hash=True))
    cache = tmp_path / "c2"
    hub.load_state_dict_from_url(path.as_uri(), model_dir=str(cache), file_name="renamed.pth", progress=False)
    assert (cache / "renamed.pth").is_file()
    with pytest.raises(FileNotFoundError, match="no such file"):
        hub.load_state_dict_from_url(str(tmp_path / "missing.pth"))


def test_hash_prefix_mismatch_is_rejected_and_nothing_is_cached(checkpoint, tmp_path):
    path, digest = checkpoint
    bad = path.with_name("tiny-00000000.pth")
    path.rename(bad)
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match=f'invalid hash value \\(expected "00000000", got "{digest}"\\)'):
        hub.load_state_dict_from_url(bad.as_uri(), model_dir=str(cache), check_hash=True, progress=False)
    assert not os.listdir(cache)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(str(bad), check_hash=True)


def test_no_network_error_names_the_url_and_the_cache_path(tmp_path):
    url = "http://127.0.0.1:9/models/resnet18-f37072fd.pth"  # nothing listens on the discard port
    with pytest.raises(RuntimeError) as e:
        hub.load_state_dict_from_url(url, model_dir=str(tmp_path), progress=False)
    msg = str(e.value)
    assert url in msg and str(tmp_path / "resnet18-f37072fd.pth") in msg
    assert not os.listdir(tmp_path)


def test_checkpoint_shipped_inside_a_single_file_zip(tmp_path):
    inner = tmp_path / "weights.pth"
    torch.save({"w": torch.arange(6.0).reshape(2, 3), "n": torch.tensor(7)}, inner)
    archive = tmp_path / "weights.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(inner, "weights.pth")
    inner.unlink()
    check_loaded(hub.load_state_dict_from_url(archive.as_uri(), model_dir=str(tmp_path / "cache"), progress=False))


def test_hubconf_entry_points(tmp_path):
    (tmp_path / "hubconf.py").write_text(
        "import tjit.nn as nn\n"
        "def tiny(width=3):\n    '''A tiny linear model.'''\n    return nn.Linear(2, width)\n"
        "def _private():\n    pass\n")
    assert hub.list(str(tmp_path), source="local") == ["tiny"]
    assert hub.help(str(tmp_path), "tiny", source="local") == "A tiny linear model."
    assert hub.load(str(tmp_path), "tiny", width=5, source="local").out_features == 5
    with pytest.raises(RuntimeError, match="Cannot find callable nope"):
        hub.load(str(tmp_path), "nope", source="local")
    with pytest.raises(RuntimeError, match="cannot fetch owner/repo from GitHub"):
        hub.load("owner/repo", "tiny")
