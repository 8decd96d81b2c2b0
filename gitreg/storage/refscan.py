"""Ref names under a prefix without listing every ref in the repository.

libgit2 can only list all refs; a registry holds one tag per version, so that
would make every one-model command O(registry). Git's own layout lets us do
better: loose refs are files below `<gitdir>/<prefix>`, and packed ones are
lines of `packed-refs` that one C-speed substring search finds.
"""
from __future__ import annotations

import os
from pathlib import Path


def _loose(gitdir: Path, prefix: str) -> set[str]:
    out: set[str] = set()
    base = gitdir / prefix
    if not base.is_dir():
        return out
    for root, _dirs, files in os.walk(base):
        rel = Path(root).relative_to(gitdir).as_posix()
        for name in files:
            if not name.endswith(".lock"):
                out.add(f"{rel}/{name}")
    return out


def _packed(gitdir: Path, prefix: str) -> set[str]:
    """Lines are `<hex> <refname>` (or `^<hex>` peel lines, which hold no space), so
    ` <prefix>` only ever matches at the start of a refname; bytes.find runs at C speed."""
    try:
        data = (gitdir / "packed-refs").read_bytes()
    except FileNotFoundError:
        return set()
    needle = b" " + prefix.encode()
    out: set[str] = set()
    pos = data.find(needle)
    while pos != -1:
        end = data.find(b"\n", pos)
        end = len(data) if end == -1 else end
        out.add(data[pos + 1:end].rstrip(b"\r").decode("utf-8", "replace"))
        pos = data.find(needle, end)
    return out


def names_under(gitdir: Path, prefix: str) -> set[str]:
    """Full names of the refs below `prefix` (which ends in '/'), loose or packed."""
    return _loose(gitdir, prefix) | _packed(gitdir, prefix)
