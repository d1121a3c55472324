"""On-disk compile cache: content-addressed, written atomically, verified on load.

An entry is `<sha256 of key>.bin` holding a 32-byte digest of the payload followed by the
payload; a truncated or corrupt entry fails verification and is recompiled, never trusted.
Writes go to a temporary file in the same directory and are renamed into place, so
concurrent processes see either nothing or a whole entry.
"""
from __future__ import annotations

import hashlib
import os
import tempfile

VERSION = "tjit-cache-1"


def cache_dir() -> str:
    d = os.environ.get("TJIT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tjit")
    os.makedirs(d, exist_ok=True)
    return d


def enabled() -> bool:
    return os.environ.get("TJIT_DISK_CACHE", "1") != "0"


def key(*parts) -> str:
    h = hashlib.sha256(VERSION.encode())
    for p in parts:
        h.update(b"\0")
        h.update(p if isinstance(p, bytes) else str(p).encode())
    return h.hexdigest()


def get(k: str) -> bytes | None:
    if not enabled():
        return None
    path = os.path.join(cache_dir(), k + ".bin")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    digest, payload = data[:32], data[32:]
    if len(data) < 32 or hashlib.sha256(payload).digest() != digest:
        try:
            os.unlink(path)
        except OSError:
            pass
        return None
    return payload


def put(k: str, payload: bytes) -> None:
    if not enabled():
        return
    d = cache_dir()
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(hashlib.sha256(payload).digest())
            f.write(payload)
        os.replace(tmp, os.path.join(d, k + ".bin"))
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
