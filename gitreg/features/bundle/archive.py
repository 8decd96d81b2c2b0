"""The bundle file: a plain tar archive whose every byte is covered by a sha256.

Members, in this order (docs/storage.md 'Offline bundles'):
  gitreg-bundle.yaml   the manifest (what the bundle holds, with sha256 values)
  refs.bundle          a git bundle of the refs (absent when no ref changed)
  lfs/<oid>            one per LFS object (oid = sha256 of its content)
  SHA256               sha256 (hex, newline) of every byte of the archive before this member
A tar archive so that `tar xf` and `git bundle list-heads` read it without gitreg; the
last member so that a flipped byte anywhere, a truncation or a member added or left out
is refused before anything is imported: headers and padding are covered too, and the
bytes after it must be the zeros that end a tar archive.
"""
from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Optional

from gitreg.core.errors import GitregError

MANIFEST = "gitreg-bundle.yaml"
REFS = "refs.bundle"
LFS = "lfs/"
TRAILER = "SHA256"
MANIFEST_LIMIT = 64 << 20
_CHUNK = 1 << 20


class BundleError(GitregError):
    """The file is not a whole, unaltered gitreg bundle: nothing was imported."""


class _Hashing(io.RawIOBase):
    """A write-only file that hashes what goes through it (what tarfile writes)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh, self.digest, self.pos = fh, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.fh.write(data)
        self.digest.update(data)
        self.pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self.pos


class Writer:
    """Writes a bundle to a temporary file beside `path`; `finish` seals it and renames it
    into place, so `path` is only ever a whole bundle (or absent)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self._fh = open(self.tmp, "wb")
        except OSError as exc:
            raise GitregError(f"cannot write {path}: {exc.strerror}") from None
        self._out = _Hashing(self._fh)
        self._tar = tarfile.open(fileobj=self._out, mode="w", format=tarfile.PAX_FORMAT,  # type: ignore[call-overload]
                                 copybufsize=_CHUNK)  # tarfile copies 16 KiB at a time by default
        self._now = int(time.time())

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self._now, 0o644
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self._tar.addfile(self._info(name, len(data)), io.BytesIO(data))

    def add_file(self, name: str, source: Path) -> None:
        with open(source, "rb") as fh:
            self._tar.addfile(self._info(name, os.fstat(fh.fileno()).st_size), fh)

    def finish(self) -> None:
        seal = f"{self._out.digest.hexdigest()}\n".encode()
        self.add_bytes(TRAILER, seal)
        self._tar.close()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self._fh.close()
        self.tmp.unlink(missing_ok=True)


@dataclass
class Scanned:
    """What a whole-file check found: the manifest's bytes, each member's size and sha256."""

    manifest: bytes
    sizes: dict[str, int] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)


def _members(fh: BinaryIO) -> list[tarfile.TarInfo]:
    try:
        infos = tarfile.open(fileobj=fh, mode="r:").getmembers()  # type: ignore[call-overload]
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BundleError(f"not a readable gitreg bundle ({exc})") from None
    names = [i.name for i in infos]
    if not infos or names[0] != MANIFEST or names[-1] != TRAILER:
        raise BundleError("not a whole gitreg bundle: truncated, or not made by 'gitreg bundle create'")
    if len(set(names)) != len(names) or any(not i.isreg() for i in infos):
        raise BundleError("not a gitreg bundle: repeated names or members that are not files")
    for name in names[1:-1]:
        if name != REFS and not (name.startswith(LFS) and "/" not in name[len(LFS):]):
            raise BundleError(f"not a gitreg bundle: unexpected member {name[:80]!r}")
    if infos[0].size > MANIFEST_LIMIT or infos[-1].size != 65:
        raise BundleError("not a gitreg bundle: manifest too large or seal of the wrong size")
    return infos


def _copy(fh: BinaryIO, size: int, *sinks: Callable[[bytes], object]) -> None:
    while size > 0:
        chunk = fh.read(min(_CHUNK, size))
        if not chunk:
            raise BundleError("the bundle is truncated")
        size -= len(chunk)
        for sink in sinks:
            sink(chunk)


def _round(n: int, unit: int) -> int:
    return -(-n // unit) * unit


def scan(path: Path, keep: Callable[[str], Optional[BinaryIO]] = lambda name: None) -> Scanned:
    """Read the whole file once: check the seal and hash every member; the data of a member
    for which `keep(name)` gives a file is also written there (staged: the caller uses
    it only when scan returns). Raises BundleError on any difference."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        infos = _members(fh)
        fh.seek(0)
        whole = hashlib.sha256()
        manifest = bytearray()
        found = Scanned(b"")
        pos = 0
        for info in infos[:-1]:
            _copy(fh, info.offset_data - pos, whole.update)  # headers (and padding before them)
            member = hashlib.sha256()
            sinks: list[Callable[[bytes], object]] = [whole.update, member.update]
            out = keep(info.name)
            if out is not None:
                sinks.append(out.write)
            if info.name == MANIFEST:
                sinks.append(manifest.extend)
            _copy(fh, info.size, *sinks)
            found.sizes[info.name], found.sha256[info.name] = info.size, member.hexdigest()
            pos = info.offset_data + info.size
        seal_info = infos[-1]
        _copy(fh, seal_info.offset - pos, whole.update)
        fh.seek(seal_info.offset_data)
        seal = fh.read(65)
        rest = fh.read(_CHUNK)
        if rest.strip(b"\0") or fh.read(1):
            raise BundleError("the bundle has bytes after its seal: altered")
        end = _round(_round(seal_info.offset_data + 65, tarfile.BLOCKSIZE) + 2 * tarfile.BLOCKSIZE,
                     tarfile.RECORDSIZE)  # the zero blocks that end the archive, as tarfile writes them
        if seal_info.offset_data + 65 + len(rest) != end:
            raise BundleError("the bundle is truncated at its end (or padded)")
    if seal != f"{whole.hexdigest()}\n".encode():
        raise BundleError("the bundle's sha256 does not match its content: corrupted or altered in transit")
    found.manifest = bytes(manifest)
    return found
