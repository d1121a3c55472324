"""Sequential zip writer laid out like torch's (miniz / PyTorchStreamWriter) archives.

Records are "stored" (uncompressed). Each gets a local header with sizes/CRC zeroed and
general-purpose flags 0x0808 (UTF-8 names + trailing data descriptor), the name, an extra
field (a zip64 field first when the record size or its header offset reaches 2**32-1, then a
padding field with id ``b"FB"`` filled with ``b"Z"``) chosen so that the record's payload
starts on a 64-byte boundary of the archive, the payload, then a data descriptor
(``PK\\x07\\x08``, CRC-32, sizes; 16 bytes, 24 with zip64). Empty records get no descriptor
and flags 0x0800. The central directory follows, then a zip64 end-of-central-directory
record + locator + the classic end-of-central-directory record. Because of the alignment,
torch can ``mmap`` files written here.
"""

from __future__ import annotations

import struct
import zlib

_U32_MAX = 0xFFFFFFFF
ALIGNMENT = 64


def _zip64_extra(size: int, offset: int) -> bytes:
    """The zip64 extra field a record of ``size`` bytes at ``offset`` needs (b"" if none)."""
    fields = b""
    if size >= _U32_MAX:
        fields += struct.pack("<QQ", size, size)
    if offset >= _U32_MAX:
        fields += struct.pack("<Q", offset)
    return struct.pack("<HH", 1, len(fields)) + fields if fields else b""


class ZipWriter:
    """Sequential zip writer (stored entries only); ``fp`` need not be seekable."""

    def __init__(self, fp):
        self.fp = fp
        self.pos = 0
        self.entries = []  # (name_bytes, crc, size, header_offset, flags)

    def _write(self, b) -> None:
        mv = memoryview(b)
        n = mv.nbytes
        if n:
            self.fp.write(mv)
        self.pos += n

    def write_record(self, name: str, data) -> None:
        mv = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) \
            else memoryview(data)
        size = mv.nbytes
        name_b = name.encode("utf-8")
        offset = self.pos
        zip64 = _zip64_extra(size, offset)
        start = offset + 30 + len(name_b) + len(zip64) + 4
        pad = (-start) % ALIGNMENT
        extra = zip64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        flags = 0x0808 if size else 0x0800
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, flags, 0, 0, 0,
            0, 0, 0, len(name_b), len(extra))
        self._write(header)
        self._write(name_b)
        self._write(extra)
        crc = zlib.crc32(mv) & 0xFFFFFFFF if size else 0
        self._write(mv)
        if size:
            fmt = "<IIQQ" if zip64 else "<IIII"
            self._write(struct.pack(fmt, 0x08074B50, crc, size, size))
        self.entries.append((name_b, crc, size, offset, flags))

    def finish(self) -> None:
        """Write the central directory and the (zip64 and classic) end records."""
        cd_start = self.pos
        for name_b, crc, size, offset, flags in self.entries:
            extra = _zip64_extra(size, offset)
            usize = size if size < _U32_MAX else 0xFFFFFFFF
            hoff = offset if offset < _U32_MAX else 0xFFFFFFFF
            self._write(struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if extra else 20,
                45 if extra else 20, flags, 0, 0, 0, crc, usize, usize,
                len(name_b), len(extra), 0, 0, 0, 0, hoff))
            self._write(name_b)
            self._write(extra)
        cd_size = self.pos - cd_start
        n = len(self.entries)
        eocd64 = self.pos
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0,
                                n, n, cd_size, cd_start))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        n16 = n if n < 0xFFFF else 0xFFFF
        self._write(struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, n16, n16,
            cd_size if cd_size < _U32_MAX else 0xFFFFFFFF,
            cd_start if cd_start < _U32_MAX else 0xFFFFFFFF, 0))
