"""Where stored files appear in a version's tree, and which manifest paths are safe.

A stored file of role R at `/x/y/q4.gguf` is the LFS pointer `artifacts/R/q4.gguf`; a
stored directory `/x/adapter` is one pointer per file, `artifacts/R/adapter/<path>`.
Manifests come from every collaborator: a name is used only when it is one plain
path component (no '..', no '/', no NUL or control characters), so nothing read from
a registry can name a place outside the directory it is written into.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Optional

from gitreg.core.errors import CorruptRegistryError, InvalidValueError
from gitreg.core.records import ArtifactFile
from gitreg.git import lfs

ROOT = "artifacts"
ATTRIBUTES_FILE = ".gitattributes"
LFSCONFIG_FILE = lfs.LFSCONFIG_FILE  # the LFS endpoint, when set apart from the git remote
MAX_PATH = 4096
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_parts(rel: object, where: str) -> tuple[str, ...]:
    """The components of a relative path read from a registry; raises on anything that could escape."""
    if not isinstance(rel, str) or not rel or len(rel) > MAX_PATH:
        raise CorruptRegistryError(f"{where}: file path {str(rel)[:80]!r} is not a relative path")
    if rel.startswith("/") or _BAD_CHARS.search(rel):
        raise CorruptRegistryError(f"{where}: file path {rel[:80]!r} is absolute or has forbidden characters")
    parts = tuple(rel.split("/"))
    if any(p in ("", ".", "..") or len(p) > 255 for p in parts):
        raise CorruptRegistryError(f"{where}: file path {rel[:80]!r} has an empty, '.' or '..' part")
    return parts


def basename(entry: ArtifactFile, where: str) -> str:
    """The name a stored file (or directory) has under artifacts/<role>/."""
    name = PurePosixPath(entry.path.replace("\\", "/")).name
    return safe_parts(name, where)[0]


def layout(entry: ArtifactFile, where: str) -> list[tuple[tuple[str, ...], str, int]]:
    """[(path parts below artifacts/, oid, size)] of one stored entry, validated."""
    role = safe_parts(entry.role, where)
    name = basename(entry, where)
    if entry.contents is None:
        if not lfs.is_oid(entry.sha256) or not isinstance(entry.size_bytes, int):
            raise CorruptRegistryError(f"{where}: stored {entry.role} file has no valid sha256 and size")
        return [(role + (name,), str(entry.sha256), entry.size_bytes)]
    out = []
    for c in entry.contents:
        if not lfs.is_oid(c.sha256) or not isinstance(c.size_bytes, int):
            raise CorruptRegistryError(f"{where}: {entry.role} file {c.path!r} has no valid sha256 and size")
        out.append((role + (name,) + safe_parts(c.path, where), c.sha256, c.size_bytes))
    return out


def check_stored_names(planned: list) -> None:
    """Two stored files of one role with the same basename are refused (one pointer path each)."""
    from gitreg.model.files import Planned

    seen: dict[tuple[str, str], str] = {}
    for p in planned:
        if not isinstance(p, Planned):
            continue
        key = (p.role, p.path.name)
        if key in seen:
            raise InvalidValueError(
                f"two {p.role} files named {p.path.name} ({seen[key]} and {p.path}): a version stores "
                "one file per name and role; rename one"
            )
        seen[key] = str(p.path)


def pointer_files(files: list[ArtifactFile]) -> dict[str, bytes]:
    """The tree entries (path -> content) that stored files add to a version commit."""
    out: dict[str, bytes] = {}
    for entry in files:
        if entry.stored != "lfs":
            continue
        for parts, oid, size in layout(entry, f"{entry.role} file"):
            out["/".join((ROOT,) + parts)] = lfs.pointer(oid, size)
    if out:
        out[ATTRIBUTES_FILE] = lfs.ATTRIBUTES
    return out


def stored_entries(files: list[ArtifactFile], role: Optional[str] = None) -> list[ArtifactFile]:
    return [f for f in files if f.stored == "lfs" and (role is None or f.role == role)]
