"""tjit.hub (torch.hub): the download cache for checkpoints, and models published as a
hubconf.py.

Files are cached under get_dir()/checkpoints ($TORCH_HOME/hub, default ~/.cache/torch/hub,
shared with PyTorch, so weights it downloaded are found here).  URLs may be http(s)://,
file:// or a local path.  Without network access a download fails with an error naming the
URL and the cache path where the file can be placed by hand.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import warnings
import zipfile
from urllib.parse import urlparse

ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
# a checkpoint's file name may carry a prefix of its sha256: resnet18-f37072fd.pth
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_CHUNK = 1 << 16

_hub_dir = None


def _get_torch_home() -> str:
    return os.path.expanduser(os.getenv(ENV_TORCH_HOME, os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR),
                                                                      "torch")))


def get_dir() -> str:
    """The hub cache directory: set_dir()'s, else $TORCH_HOME/hub."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d) -> None:
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


class _Progress:
    """A one-line byte counter on stderr (tqdm's place in torch)."""

    def __init__(self, total, enabled: bool):
        self.total, self.enabled, self.done = total, enabled, 0

    def update(self, n: int) -> None:
        self.done += n
        if self.enabled:
            pct = f" {100 * self.done // self.total:3d}%" if self.total else ""
            sys.stderr.write(f"\r{self.done / 2 ** 20:8.1f} MiB{pct}")

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _open_url(url: str, dst: str):
    """urlopen, turning a failure into an error that says where to put the file instead
    (urllib.request is imported here: it pulls in ssl and http, 20 ms of every import)."""
    import urllib.error
    import urllib.request
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "tjit"}))
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise RuntimeError(f"Could not download {url}: {reason}. Without network access, download the file "
                           f"elsewhere and place it at {dst}") from e


def download_url_to_file(url, dst, hash_prefix=None, progress=True) -> None:
    """Download (or copy a file:// URL) to dst through a temporary file in the same folder,
    checking that the content's sha256 starts with hash_prefix when one is given."""
    dst = os.path.expanduser(dst)
    dst_dir = os.path.dirname(os.path.abspath(dst))
    os.makedirs(dst_dir, exist_ok=True)
    response = _open_url(url, dst)
    size = response.headers.get("Content-Length") if hasattr(response, "headers") else None
    sha256 = hashlib.sha256()
    f = tempfile.NamedTemporaryFile(delete=False, dir=dst_dir, prefix=os.path.basename(dst) + ".", suffix=".partial")
    try:
        bar = _Progress(int(size) if size else None, progress)
        with response, f:
            while chunk := response.read(_CHUNK):
                f.write(chunk)
                sha256.update(chunk)
                bar.update(len(chunk))
        bar.close()
        if hash_prefix is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(f.name, dst)
    finally:
        if os.path.exists(f.name):
            os.remove(f.name)


def _check_local_hash(path: str, hash_prefix: str) -> None:
    sha256 = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            sha256.update(chunk)
    digest = sha256.hexdigest()
    if digest[:len(hash_prefix)] != hash_prefix:
        raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')


def _is_legacy_zip_format(filename: str) -> bool:
    """Checkpoints of torch < 1.6 were sometimes shipped as a zip holding one file."""
    if zipfile.is_zipfile(filename):
        infolist = zipfile.ZipFile(filename).infolist()
        return len(infolist) == 1 and not infolist[0].is_dir()
    return False


def _load(path, model_dir, map_location, weights_only):
    from .api import load
    if _is_legacy_zip_format(path):
        with zipfile.ZipFile(path) as z:
            member = z.infolist()[0]
            z.extractall(model_dir)
            path = os.path.join(model_dir, member.filename)
    return load(path, map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False, file_name=None,
                             weights_only=True):
    """The object serialized at `url`, downloaded once into model_dir (default
    get_dir()/checkpoints).  A local path is read in place.  check_hash verifies the sha256
    prefix in the file name (name-<hash>.ext) of what is downloaded or read in place."""
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    parts = urlparse(url)
    filename = file_name if file_name is not None else os.path.basename(parts.path)
    match = HASH_REGEX.search(filename) if check_hash else None
    hash_prefix = match.group(1) if match else None
    if not parts.scheme or (len(parts.scheme) == 1 and os.name == "nt"):  # a local path
        path = os.path.expanduser(url)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"load_state_dict_from_url: no such file: {path}")
        if hash_prefix:
            _check_local_hash(path, hash_prefix)
        return _load(path, os.path.dirname(os.path.abspath(path)), map_location, weights_only)
    os.makedirs(model_dir, exist_ok=True)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    return _load(cached_file, model_dir, map_location, weights_only)


# -- hubconf.py entry points -------------------------------------------------------------------
def _load_hubconf(repo_or_dir: str, source: str):
    """The hubconf module of a local directory (source='local'), or of a GitHub repo already in
    the hub cache (owner_name_ref, as torch.hub stores it)."""
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        repo_dir = repo_or_dir
    else:
        owner_name, _, ref = repo_or_dir.partition(":")
        repo_dir = os.path.join(get_dir(), "_".join(owner_name.split("/") + [ref or "main"]))
        if not os.path.isdir(repo_dir):
            raise RuntimeError(f"tjit.hub cannot fetch {repo_or_dir} from GitHub here; clone it into {repo_dir} or "
                               f"load it with source='local'")
    path = os.path.join(repo_dir, "hubconf.py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no hubconf.py in {repo_dir}")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, repo_dir)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(repo_dir)
    return module


def _entry(module, model: str):
    fn = getattr(module, model, None)
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def list(repo_or_dir, force_reload=False, skip_validation=False, trust_repo=None, verbose=True, source="github"):
    """The public callables a hubconf.py offers."""
    module = _load_hubconf(repo_or_dir, source)
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(repo_or_dir, model, force_reload=False, skip_validation=False, trust_repo=None, source="github"):
    return _entry(_load_hubconf(repo_or_dir, source), model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo=None, force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """hubconf.<model>(*args, **kwargs)."""
    return _entry(_load_hubconf(repo_or_dir, source), model)(*args, **kwargs)
