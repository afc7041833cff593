"""What one input file may hold: decompressed bytes and features, checked before and while reading.

A file handed to an import can be hostile or simply wrong: a 4 MB zip holding a 1.5 GB CSV (a
"zip bomb") ended the CLI in MemoryError with a traceback (issue #9). Every reader of a file from
outside — vector layers through GDAL (`formats.layer`), ODK Central / KoboToolbox exports (CSV,
XLSX, GeoJSON, zip) — checks here first:

- a plain file: its size on disk;
- a zip (and an XLSX, which is a zip): every member by its *declared* size (the central directory,
  refused before anything is decompressed) and by its *actual* size, decompressed as a stream and
  stopped at the cap — a zip can lie about its sizes, and what is checked is what is read;
- features/rows: counted as they are read and refused past the cap.

Each refusal is one line naming the file, the figure and the setting that raises it. The caps are
settings (`max_import_*`, `max_export_*`, `max_zip_members`: docs/operations.md), handed to the
readers by the service as a `FileLimits`.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from landrelease.errors import ValidationError
from landrelease.settings import Settings

MIB = 1024 * 1024


@dataclass(frozen=True)
class FileLimits:
    """The caps of one import, from the settings (`of`); the defaults are the settings' defaults."""

    import_bytes: int
    import_features: int
    export_bytes: int
    export_rows: int
    zip_members: int

    @classmethod
    def of(cls, settings: Settings | None = None) -> FileLimits:
        s = settings or Settings()
        return cls(s.max_import_bytes, s.max_import_features, s.max_export_bytes, s.max_export_rows, s.max_zip_members)


#: The setting named in each refusal (raise it if the file is genuine).
IMPORT_BYTES, IMPORT_FEATURES = "LANDRELEASE_MAX_IMPORT_BYTES", "LANDRELEASE_MAX_IMPORT_FEATURES"
EXPORT_BYTES, EXPORT_ROWS, ZIP_MEMBERS = (
    "LANDRELEASE_MAX_EXPORT_BYTES",
    "LANDRELEASE_MAX_EXPORT_ROWS",
    "LANDRELEASE_MAX_ZIP_MEMBERS",
)

CHUNK = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / MIB:,.0f} MB" if n >= MIB else f"{n:,} bytes"


def too_big(name: str, size: int | None, cap: int, setting: str) -> ValidationError:
    """The refusal: `size` bytes when known (declared or on disk), None when counting passed the cap."""
    what = f"{_mb(size)}" if size is not None else f"more than {_mb(cap)} (read so far)"
    return ValidationError(
        f"{name} is too large: {what} decompressed, the limit is {_mb(cap)} (raise {setting} if it is genuine)"
    )


def check_file(path: str | os.PathLike[str], cap: int, setting: str) -> int:
    """A plain file's size, refused past `cap`."""
    p = Path(path)
    size = p.stat().st_size
    if size > cap:
        raise too_big(p.name, size, cap, setting)
    return size


def zip_members(
    path: str | os.PathLike[str], cap: int, setting: str, *, members: int, actual: bool = True
) -> list[zipfile.ZipInfo]:
    """The files of a zip, once they are known to decompress to at most `cap` bytes in all: by their
    declared sizes (nothing decompressed yet), then — `actual` — by decompressing each as a stream
    and stopping at the cap, so a zip whose directory lies is refused too. Memory stays at one chunk."""
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if len(infos) > members:
                raise ValidationError(f"{p.name} holds {len(infos)} files, more than {members} ({ZIP_MEMBERS})")
            declared = sum(i.file_size for i in infos)
            if declared > cap:
                raise too_big(p.name, declared, cap, setting)
            if actual:
                total = 0
                for info in infos:
                    with z.open(info) as f:
                        while chunk := f.read(CHUNK):
                            total += len(chunk)
                            if total > cap:
                                raise too_big(p.name, None, cap, setting)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise ValidationError(f"cannot read {p.name}: the zip is truncated or not a zip file ({exc})") from None
    return infos


def read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, setting: str, label: str) -> bytes:
    """One member's bytes, read as a stream and refused as soon as they pass `cap` (whatever the
    zip declares)."""
    if info.file_size > cap:
        raise too_big(label, info.file_size, cap, setting)
    out = bytearray()
    with z.open(info) as f:
        while chunk := f.read(CHUNK):
            out += chunk
            if len(out) > cap:
                raise too_big(label, None, cap, setting)
    return bytes(out)


def read_capped(f: IO[bytes], cap: int, setting: str, label: str) -> bytes:
    """A stream's bytes, refused as soon as they pass `cap`."""
    out = bytearray()
    while chunk := f.read(CHUNK):
        out += chunk
        if len(out) > cap:
            raise too_big(label, None, cap, setting)
    return bytes(out)


def counted(rows: Iterator, cap: int, setting: str, label: str, what: str = "rows") -> Iterator:  # type: ignore[type-arg]
    """`rows`, refused once more than `cap` have come."""
    for n, row in enumerate(rows, 1):
        if n > cap:
            raise ValidationError(f"{label} has more than {cap:,} {what} (raise {setting} if it is genuine)")
        yield row


__all__ = [
    "FileLimits",
    "check_file",
    "counted",
    "read_capped",
    "read_member",
    "too_big",
    "zip_members",
]
