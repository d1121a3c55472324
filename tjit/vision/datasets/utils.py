"""Download, checksum and archive helpers of torchvision.datasets.utils."""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import zipfile

from ... import hub


def calculate_md5(fpath, chunk_size: int = 1024 * 1024) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None) -> bool:
    """The file exists and, when md5 is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def download_url(url: str, root, filename=None, md5=None, max_redirect_hops: int = 3) -> None:
    """Download url to root/filename unless a file with the right checksum is already there.
    Without network access the error names the URL and the path to place the file at."""
    root = os.path.expanduser(root)
    fpath = os.fspath(os.path.join(root, filename or os.path.basename(url)))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    hub.download_url_to_file(url, fpath, progress=True)
    if not check_integrity(fpath, md5):
        raise RuntimeError(f"File not found or corrupted: {fpath} (expected md5 {md5})")


_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _decompress(from_path: str, to_path: str, remove_finished: bool) -> str:
    ext = os.path.splitext(from_path)[1]
    with _COMPRESSED[ext](from_path, "rb") as rf, open(to_path, "wb") as wf:
        shutil.copyfileobj(rf, wf)
    if remove_finished:
        os.remove(from_path)
    return to_path


def extract_archive(from_path, to_path=None, remove_finished: bool = False) -> str:
    """Unpack a .zip / .tar(.gz, .bz2, .xz) / .tgz into to_path, or decompress a single
    .gz / .bz2 / .xz file there; returns to_path."""
    from_path = os.fspath(from_path)
    to_path = os.fspath(to_path) if to_path is not None else os.path.dirname(from_path)
    if zipfile.is_zipfile(from_path):
        with zipfile.ZipFile(from_path) as z:
            z.extractall(to_path)
    elif tarfile.is_tarfile(from_path):
        with tarfile.open(from_path) as t:
            t.extractall(to_path, filter="data")
    elif os.path.splitext(from_path)[1] in _COMPRESSED:
        name = os.path.basename(os.path.splitext(from_path)[0])
        return _decompress(from_path, os.path.join(to_path, name), remove_finished)
    else:
        raise RuntimeError(f"Archive type of '{from_path}' is not supported")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished: bool = False) -> None:
    download_root = os.path.expanduser(download_root)
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def iterable_to_str(iterable) -> str:
    return "'" + "', '".join([str(item) for item in iterable]) + "'"


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    """`value` if it is a string among valid_values, else a ValueError in torchvision's words."""
    if not isinstance(value, str):
        where = f" for argument {arg}" if arg is not None else ""
        raise ValueError(f"Expected type str{where}, but got type {type(value)}.")
    if valid_values is None or value in valid_values:
        return value
    if custom_msg is None:
        custom_msg = (f"Unknown value '{value}' for argument {arg}. Valid values are "
                      f"{{{iterable_to_str(valid_values)}}}.")
    raise ValueError(custom_msg)
