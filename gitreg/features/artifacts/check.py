"""`verify --files` for one files: entry: stored objects, pointers, and local copies.

A stored entry is checked in the registry: each pointer under artifacts/ names the
recorded sha256 and size, and each object present in the LFS store hashes to it
(objects not downloaded here are reported as skipped, not failed). An entry that
was not stored is checked at its recorded path; a directory names each file that
changed, was added or was removed against `contents:`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pygit2

from gitreg.core.errors import GitregError
from gitreg.core.records import ArtifactFile
from gitreg.core.urls import has_scheme
from gitreg.features.artifacts import tree
from gitreg.git import lfs
from gitreg.git.repository import Store
from gitreg.model.files import contents_of, hash_path

_SHOWN = 5  # names listed per kind of difference


def check_entry(store: Store, commit: pygit2.Commit, entry: ArtifactFile, where: str,
                progress=None) -> tuple[str, list[str]]:
    """(why skipped or '', problems) for one entry."""
    if entry.stored == "lfs":
        return _stored(store, commit, entry, where, progress)
    if has_scheme(entry.path):
        return "URI, not a local file", []
    if not entry.sha256:
        return "no hash recorded at registration", []
    path = Path(entry.path)
    if not path.exists():
        return "", ["missing"]
    try:
        if path.is_dir() and entry.contents is not None:
            return "", _dir_problems(entry, contents_of(path))
        got_sha, got_size = hash_path(path, progress)
    except (OSError, GitregError) as exc:
        return "", [f"unreadable: {getattr(exc, 'strerror', None) or exc}"]
    problems = []
    if entry.size_bytes is not None and got_size != entry.size_bytes:
        problems.append(f"size {got_size} bytes, registered {entry.size_bytes}")
    if got_sha != entry.sha256:
        problems.append(f"sha256 {got_sha[:16]}…, registered {str(entry.sha256)[:16]}…")
    return "", problems


def _names(kind: str, names: list[str]) -> str:
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return f"{kind}: {', '.join(names[:_SHOWN])}{more}"


def _dir_problems(entry: ArtifactFile, found: dict[str, tuple[str, int]]) -> list[str]:
    recorded = {c.path: (c.sha256, c.size_bytes) for c in entry.contents or []}
    changed = sorted(p for p in recorded if p in found and found[p] != recorded[p])
    removed = sorted(p for p in recorded if p not in found)
    added = sorted(p for p in found if p not in recorded)
    return [_names(kind, names) for kind, names in (("changed", changed), ("removed", removed), ("added", added))
            if names]


def _pointer(store: Store, commit: pygit2.Commit, parts: tuple[str, ...]) -> Optional[tuple[str, int]]:
    try:
        obj = commit.tree["/".join((tree.ROOT,) + parts)]
    except KeyError:
        return None
    if obj.type_str != "blob":
        return None
    blob = store.repo[obj.id]
    return lfs.parse_pointer(blob.data) if blob.size <= lfs.MAX_POINTER_BYTES else None


def _stored(store: Store, commit: pygit2.Commit, entry: ArtifactFile, where: str,
            progress) -> tuple[str, list[str]]:
    try:
        items = tree.layout(entry, where)
    except GitregError as exc:
        return "", [str(exc)]
    problems, absent = [], 0
    git_dir = store.git_dir()
    for parts, oid, size in items:
        name = "/".join(parts)
        if _pointer(store, commit, parts) != (oid, size):
            problems.append(f"{tree.ROOT}/{name}: the LFS pointer is missing or names other content")
        if not lfs.has_object(git_dir, oid):
            absent += 1
            continue
        got = lfs.object_sha256(git_dir, oid, progress)
        if got != oid:
            problems.append(f"stored {name} is corrupt: sha256 {str(got)[:16]}…, recorded {oid[:16]}…")
    if absent == len(items) and not problems:
        return "stored; not downloaded here ('gitreg get' fetches and checks it)", []
    return "", problems
