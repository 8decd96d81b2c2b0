"""Ref names under a prefix without listing every ref in the repository.

libgit2 can only list all refs; a registry holds one tag per version, so that
would make every one-model command O(registry). Git's own layout lets us do
better: loose refs are files below `<gitdir>/<prefix>`, and packed ones are
lines of `packed-refs` that one C-speed substring search finds.
"""
from __future__ import annotations

import os
from bisect import bisect_left
from pathlib import Path
from typing import Optional

_HEX = frozenset(b"0123456789abcdef")


def _oid_hex(raw: bytes) -> Optional[str]:
    """The object id a ref file or line names, or None (symbolic or damaged: ask libgit2)."""
    raw = raw.strip()
    return raw.decode() if len(raw) in (40, 64) and set(raw) <= _HEX else None


def _loose(gitdir: Path, prefix: str) -> dict[str, Optional[str]]:
    out: dict[str, Optional[str]] = {}
    base = gitdir / prefix
    if not base.is_dir():
        return out
    for root, _dirs, files in os.walk(base):
        rel = Path(root).relative_to(gitdir).as_posix()
        for name in files:
            if name.endswith(".lock"):
                continue
            try:
                with open(os.path.join(root, name), "rb") as f:
                    target = _oid_hex(f.read(100))
            except OSError:  # pruned by a concurrent pack-refs: it is in packed-refs now
                continue
            out[f"{rel}/{name}"] = target
    return out


def _packed(gitdir: Path, prefix: str) -> dict[str, Optional[str]]:
    try:
        data = (gitdir / "packed-refs").read_bytes()
    except FileNotFoundError:
        return {}
    return _scan(data, prefix)


def _scan(data: bytes, prefix: str) -> dict[str, Optional[str]]:
    """Lines are `<hex> <refname>` (or `^<hex>` peel lines, which hold no space), so
    ` <prefix>` only ever matches at the start of a refname; bytes.find runs at C speed."""
    needle = b" " + prefix.encode()
    out: dict[str, Optional[str]] = {}
    pos = data.find(needle)
    while pos != -1:
        end = data.find(b"\n", pos)
        end = len(data) if end == -1 else end
        start = data.rfind(b"\n", 0, pos) + 1
        out[data[pos + 1:end].rstrip(b"\r").decode("utf-8", "replace")] = _oid_hex(data[start:pos])
        pos = data.find(needle, end)
    return out


class PackedRefs:
    """packed-refs, read once per version of the file (it is only ever replaced by rename,
    so inode, size and mtime name a version). The first lookups search the bytes; a
    reader asking many (e.g. `list`, one per model) gets a sorted index and bisects,
    so listing every model costs one parse, not one scan per model."""

    INDEX_AFTER = 2

    def __init__(self, gitdir: Path) -> None:
        self.path = gitdir / "packed-refs"
        self._key: Optional[tuple[int, int, int]] = None
        self._data = b""
        self._names: Optional[list[str]] = None
        self._targets: dict[str, Optional[str]] = {}
        self._lookups = 0

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
            key: Optional[tuple[int, int, int]] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            key = None
        if key != self._key or key is None:
            try:
                self._data = self.path.read_bytes()
            except FileNotFoundError:
                self._data, key = b"", None
            self._key, self._names, self._targets, self._lookups = key, None, {}, 0

    def targets_under(self, prefix: str) -> dict[str, Optional[str]]:
        self._refresh()
        self._lookups += 1
        if self._lookups <= self.INDEX_AFTER:
            return _scan(self._data, prefix)
        if self._names is None:
            for line in self._data.split(b"\n"):
                hexid, sep, name = line.partition(b" ")
                if sep and line[:1] not in (b"#", b"^"):
                    self._targets[name.rstrip(b"\r").decode("utf-8", "replace")] = _oid_hex(hexid)
            self._names = sorted(self._targets)
        out = {}
        for i in range(bisect_left(self._names, prefix), len(self._names)):
            name = self._names[i]
            if not name.startswith(prefix):
                break
            out[name] = self._targets[name]
        return out


def targets_under(gitdir: Path, prefix: str, packed: Optional[PackedRefs] = None) -> dict[str, Optional[str]]:
    """{full name: target hex, or None when only libgit2 can tell} of the refs below
    `prefix` (which ends in '/'), loose or packed; a loose ref hides a packed one.

    Loose first: a concurrent pack-refs writes packed-refs before pruning a loose
    ref, so a ref missed as loose is found packed.
    """
    loose = _loose(gitdir, prefix)
    found = packed.targets_under(prefix) if packed is not None else _packed(gitdir, prefix)
    found.update(loose)
    return found


def names_under(gitdir: Path, prefix: str, packed: Optional[PackedRefs] = None) -> set[str]:
    """Full names of the refs below `prefix` (which ends in '/'), loose or packed."""
    return set(targets_under(gitdir, prefix, packed))


def loose_count(gitdir: Path, prefix: str, stop: int) -> int:
    """How many loose refs lie below prefix, counting no further than `stop`."""
    count = 0
    for _root, _dirs, files in os.walk(gitdir / prefix):
        count += sum(1 for name in files if not name.endswith(".lock"))
        if count >= stop:
            break
    return count
