"""Where a version's files live, and their sha256/size when readable at registration.

A directory (a LoRA adapter is usually one) is hashed as the sha256 of its
listing: one line `<relative path>\\0<sha256 of the file>\\n` per file, sorted by
path; its size is the sum of its files' sizes.
"""
from __future__ import annotations

import hashlib
import os
import re
import warnings
from pathlib import Path
from typing import Optional, Protocol

from .errors import InvalidValueError
from .records import ArtifactFile

_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_CHUNK = 1 << 20


class GitregWarning(UserWarning):
    """Something recorded as given that the user may want to know about."""


class HashProgress(Protocol):
    def begin(self, label: str, total_bytes: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def end(self) -> None: ...


def _files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    out = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        out.extend(Path(root) / f for f in sorted(files))
    return out


def _sha256(path: Path, progress: Optional[HashProgress]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if progress is not None:
                progress.advance(len(chunk))
    return digest.hexdigest()


def hash_path(path: Path, progress: Optional[HashProgress] = None) -> tuple[str, int]:
    """(sha256, size_bytes) of a file, or of a directory by its listing (module doc)."""
    files = _files_of(path)
    total = sum(f.stat().st_size for f in files)
    if progress is not None:
        progress.begin(path.name, total)
    try:
        if path.is_file():
            return _sha256(path, progress), total
        listing = hashlib.sha256()
        for f in files:
            rel = f.relative_to(path).as_posix()
            listing.update(f"{rel}\0{_sha256(f, progress)}\n".encode())
        return listing.hexdigest(), total
    finally:
        if progress is not None:
            progress.end()


def describe(role: str, location: str, progress: Optional[HashProgress] = None) -> ArtifactFile:
    """The files: entry for one artifact; local paths are made absolute and hashed."""
    if not isinstance(location, (str, os.PathLike)) or not str(location).strip():
        raise InvalidValueError(f"{role} path must be a non-empty path or URI, got {location!r}")
    location = str(location)
    if "\n" in location or "\0" in location:
        raise InvalidValueError(f"{role} path must not contain a newline or NUL byte")
    if _URI_RE.match(location):
        return ArtifactFile(role=role, path=location)
    path = Path(location).expanduser()
    if not path.exists():
        warnings.warn(
            f"{role} path {location} does not exist here; recorded as given, without a hash",
            GitregWarning,
            stacklevel=3,
        )
        return ArtifactFile(role=role, path=location)
    path = path.resolve()
    try:
        sha, size = hash_path(path, progress)
    except OSError as exc:
        warnings.warn(
            f"{role} path {path} could not be read ({exc.strerror}); recorded without a hash",
            GitregWarning,
            stacklevel=3,
        )
        return ArtifactFile(role=role, path=str(path))
    return ArtifactFile(role=role, path=str(path), sha256=sha, size_bytes=size)
