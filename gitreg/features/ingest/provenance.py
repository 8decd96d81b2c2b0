"""Provenance in: what `add --data SPEC` records for one training-data entry.

- `NAME` -> the bare name (the seed's shape);
- `NAME@REV` -> {name, revision} (an HF dataset commit, a DVC or git revision, a tag);
- an existing local file or directory -> {name: its base name, sha256, uri: its absolute
  path}: a file's sha256, a directory's the sha256 of its listing (as files: entries), so
  `verify --files` can check the data still is what the version was trained on.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from gitreg.core import values
from gitreg.core.errors import GitregError, InvalidValueError
from gitreg.core.records import DataSource
from gitreg.core.urls import has_scheme
from gitreg.model.files import HashProgress, hash_path


def data_source(spec: str, progress: Optional[HashProgress] = None) -> str | dict[str, str]:
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidValueError(f"a data source must be NAME, NAME@REV or a local path, got {spec!r}")
    path = Path(spec).expanduser()
    if not has_scheme(spec) and path.exists():
        sha256, _ = hash_path(path.resolve(), progress)
        return values.check_source("data", {"name": path.resolve().name, "sha256": sha256,
                                            "uri": str(path.resolve())})
    name, at, revision = spec.rpartition("@")
    return values.check_source("data", {"name": name, "revision": revision} if at and name else spec)


def check_source(source: DataSource, progress: Optional[HashProgress] = None) -> tuple[str, list[str]]:
    """(why skipped or '', problems) for one recorded source: its sha256 against its local uri."""
    if not source.sha256:
        return "no sha256 recorded", []
    if not source.uri or has_scheme(source.uri):
        return "not a local path", []
    path = Path(source.uri)
    if not path.exists():
        return "", ["missing"]
    try:
        got, _ = hash_path(path, progress)
    except (OSError, GitregError) as exc:
        return "", [f"unreadable: {getattr(exc, 'strerror', None) or exc}"]
    return "", [] if got == source.sha256 else [f"sha256 {got[:16]}…, recorded {source.sha256[:16]}…"]

