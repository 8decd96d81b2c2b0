"""Ref names under a prefix without listing every ref in the repository.

libgit2 can only list all refs; a registry holds one tag per version, so that
would make every one-model command O(registry). Git's own layout lets us do
better: loose refs are files below `<gitdir>/<prefix>`, and packed ones are
lines of `packed-refs` that one C-speed substring search finds.
"""
from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Callable, Optional

HEX = b"0123456789abcdef"
# models whose filtered tag names a PackedRefs remembers: a server writing round-robin into more
# models than this re-filters each one's packed tags on every write (8 was fewer than the models of
# a small registry); the names held are at most packed-refs' own
_NAMES_KEPT = 256


def oid_hex(raw: Optional[bytes]) -> Optional[str]:
    """The object id a ref file or packed line names, or None (symbolic or damaged: ask libgit2).
    Scans keep the raw bytes and callers convert only the refs they use."""
    if raw is None:
        return None
    raw = raw.strip()
    # translate deletes every hex digit at C speed: nothing left means all hex (a query
    # converts one target per version of every model it reads)
    return raw.decode() if len(raw) in (40, 64) and not raw.translate(None, HEX) else None


def _loose(gitdir: Path, prefix: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
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
                    target = f.read(100)
            except OSError:  # pruned by a concurrent pack-refs: it is in packed-refs now
                continue
            out[f"{rel}/{name}"] = target
    return out


def _packed(gitdir: Path, prefix: str) -> dict[str, bytes]:
    try:
        data = (gitdir / "packed-refs").read_bytes()
    except FileNotFoundError:
        return {}
    return _scan(data, prefix)


def _scan(data: bytes, prefix: str) -> dict[str, bytes]:
    """Lines are `<hex> <refname>` (or `^<hex>` peel lines, which hold no space), so
    ` <prefix>` only ever matches at the start of a refname; bytes.find runs at C speed."""
    needle = b" " + prefix.encode()
    out: dict[str, bytes] = {}
    pos = data.find(needle)
    while pos != -1:
        end = data.find(b"\n", pos)
        end = len(data) if end == -1 else end
        start = data.rfind(b"\n", 0, pos) + 1
        out[data[pos + 1:end].rstrip(b"\r").decode("utf-8", "replace")] = data[start:pos]
        pos = data.find(needle, end)
    return out


def _next_line(data, pos: int) -> int:
    """Start of the line after the one holding pos (len(data) at the end)."""
    nl = data.find(b"\n", pos)
    return len(data) if nl == -1 else nl + 1


def _first_at_or_after(data, key: bytes) -> int:
    """Start of the first ref line whose name is >= key in a sorted packed-refs
    (len(data) if none): bisection on byte offsets, reading O(log refs) lines."""
    size = len(data)

    def ref_line(at: int) -> int:  # first line at or after `at` that is a ref line
        while at < size and data[at:at + 1] in (b"#", b"^"):
            at = _next_line(data, at)
        return at

    lo, hi = 0, size  # lo is always a line start with only names < key before it
    while lo < hi:
        mid = (lo + hi) // 2
        line = ref_line(_next_line(data, mid))
        if line >= size:
            hi = mid
            continue
        end = _next_line(data, line)
        if data[data.find(b" ", line) + 1:end].rstrip(b"\r\n") < key:
            lo = end
        else:
            hi = mid
    at = ref_line(lo)
    while at < size:  # at most a line or two past the bisection point
        end = _next_line(data, at)
        if data[data.find(b" ", at) + 1:end].rstrip(b"\r\n") >= key:
            return at
        at = ref_line(end)
    return size


def _region(data, prefix: str) -> tuple[int, int]:
    """Byte range of a sorted packed-refs holding the refs below prefix (their peel lines
    included): two bisections, O(log refs)."""
    key = prefix.encode()
    start = _first_at_or_after(data, key)
    if start >= len(data):
        return start, start
    # prefix ends in '/': names starting with it sort below prefix[:-1] + '0' ('/' + 1)
    return start, _first_at_or_after(data, key[:-1] + bytes([key[-1] + 1])) if key else len(data)


def _scan_sorted(data, prefix: str, relative: bool = False) -> dict[str, bytes]:
    """_scan for a packed-refs file whose header says `sorted` (git and libgit2 write
    that): two bisections bound the lines that start with prefix, and only that
    region is scanned. O(log refs + matches), not a pass over the whole file."""
    key = prefix.encode()
    start, stop = _region(data, prefix)
    region = data[start:stop]
    found = _regular_region(region, key, relative)
    return found if found is not None else _scan_lines(region, key, relative)


def _scan_lines(region: bytes, key: bytes, relative: bool) -> dict[str, bytes]:
    """{name: raw target} of the lines `<target> <key>...` of region, line by line."""
    cut = len(key) if relative else 0
    out: dict[str, bytes] = {}
    for line in region.split(b"\n"):  # every ref line here starts with prefix
        hexid, space, name = line.partition(b" ")
        if space and name.startswith(key):
            out[name[cut:].rstrip(b"\r").decode("utf-8", "replace")] = hexid
    return out


def _regular_region(region: bytes, key: bytes, relative: bool) -> Optional[dict[str, bytes]]:
    """_scan_sorted's answer at C speed (no Python step per ref: a model of 100,000 tags is
    listed for every page of it) when the region is regular: each line `<target> <key><rest>`
    with one space, every one followed by a peel line (annotated tags, fully peeled) or none
    is; else None, and the caller reads it line by line."""
    if not region:
        return {}
    if not region.endswith(b"\n"):
        region += b"\n"
    lines = region.split(b"\n")[:-1]
    peels = region.count(b"\n^")
    if peels:  # then exactly every second line, and no other, is a peel line without a space
        refs, peeled = lines[0::2], lines[1::2]
        tail = b"\n".join(peeled)
        if len(peeled) != peels or len(refs) != peels or tail[:1] != b"^" or \
                tail.count(b"\n^") != peels - 1 or b" " in tail:
            return None
        region = b"\n".join(refs) + b"\n"
    count, sep = len(lines) - peels, b" " + key
    # each line has one space, followed by key: then every line is `<target> <key><name>`
    if b"\r" in region or region.count(b" ") != count or region.count(sep) != count:
        return None
    parts = region.replace(sep, b"\n").split(b"\n")  # target, name, target, name, ..., ""
    names = parts[1::2]
    text = b"\n".join(names) if relative else key + (b"\n" + key).join(names)
    # one decode for all: a name holds no newline, and 'replace' treats each line alike
    return dict(zip(text.decode("utf-8", "replace").split("\n"), parts[0:-1:2]))


def _peel_lines(region, key: bytes) -> dict[str, tuple[bytes, bytes]]:
    """{name: (raw target, raw peeled id)} of the refs below key that a `^<id>` line follows
    (raw as in targets_under: check with oid_hex before use)."""
    out: dict[str, tuple[bytes, bytes]] = {}
    lines = region.split(b"\n")
    for prev, line in zip(lines, lines[1:]):  # only a peel line costs more than a byte test
        if line[:1] == b"^" and prev[:1] != b"^":
            target, space, ref = prev.partition(b" ")
            ref = ref.rstrip(b"\r")
            if space and ref.startswith(key):
                out[ref.decode("utf-8", "replace")] = (target, line[1:].rstrip(b"\r"))
    return out


class PackedRefs:
    """packed-refs, mapped once per version of the file (it is only ever replaced by
    rename, so inode, size and mtime name a version). A sorted file (the normal case)
    is bisected, so looking up one model's refs reads a few pages, not the file, and
    `list` (one lookup per model) never rescans it."""

    def __init__(self, gitdir: Path) -> None:
        self.path = gitdir / "packed-refs"
        self._key: Optional[tuple[int, int, int]] = None
        self._data: bytes | mmap.mmap = b""
        self._sorted = False
        self._names: dict[str, tuple[Optional[tuple[int, int, int]], frozenset[str]]] = {}

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
            key: Optional[tuple[int, int, int]] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            key = None
        if key == self._key and (key is not None or not self._data):
            return  # the same file, or still none (no open to find it missing again)
        self._key, self._data, self._sorted = None, b"", False
        try:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except (FileNotFoundError, ValueError):
            return
        header = data[:data.find(b"\n")] if data[:1] == b"#" else b""
        self._key, self._data = key, data
        self._sorted = b" sorted" in header

    def targets_under(self, prefix: str, relative: bool = False) -> dict[str, bytes]:
        self._refresh()
        if self._sorted:
            return _scan_sorted(self._data, prefix, relative)
        found = _scan(self._data, prefix)
        return {name[len(prefix):]: raw for name, raw in found.items()} if relative else found

    def names_under(self, prefix: str, keep: Callable[[list[str]], set[str]]) -> frozenset[str]:
        """keep(names below prefix, relative to it), remembered while packed-refs is the same
        file: a process writing many versions of one big model filters its tags once."""
        self._refresh()
        memo = self._names.get(prefix)
        if memo is None or memo[0] != self._key:
            cut = len(prefix)
            memo = (self._key, frozenset(keep([name[cut:] for name in self.targets_under(prefix)])))
            if len(self._names) >= _NAMES_KEPT:
                self._names.pop(next(iter(self._names)))
            self._names[prefix] = memo
        return memo[1]

    def peeled_under(self, prefix: str) -> dict[str, tuple[bytes, bytes]]:
        """{name: (raw target, raw id it peels to)} of the packed refs below prefix that carry a
        peel line (git writes one per annotated tag): what a tag leads to without reading it.
        Only valid while the ref's current target is that target (a loose ref hides it)."""
        self._refresh()
        start, stop = _region(self._data, prefix) if self._sorted else (0, len(self._data))
        return _peel_lines(self._data[start:stop], prefix.encode())


def targets_under(gitdir: Path, prefix: str, packed: Optional[PackedRefs] = None,
                  relative: bool = False) -> dict[str, bytes]:
    """{full name (relative: the name below prefix): raw target (see oid_hex)} of the refs
    below `prefix` (which ends in '/'), loose or packed; a loose ref hides a packed one.

    Loose first: a concurrent pack-refs writes packed-refs before pruning a loose
    ref, so a ref missed as loose is found packed.
    """
    loose = _loose(gitdir, prefix)
    if packed is not None:
        found = packed.targets_under(prefix, relative)
    else:
        found = _packed(gitdir, prefix)
        found = {name[len(prefix):]: raw for name, raw in found.items()} if relative else found
    found.update({name[len(prefix):]: raw for name, raw in loose.items()} if relative else loose)
    return found


def kept_names_under(gitdir: Path, prefix: str, packed: PackedRefs, keep: Callable[[list[str]], set[str]],
                     keep_loose: Optional[Callable[[list[str]], set[str]]] = None) -> tuple[frozenset[str], set[str]]:
    """keep(names below prefix, relative to it) as (packed, loose), reading no ref's target:
    the loose ones listed now (first, as in targets_under), the packed ones as remembered
    for this packed-refs file (PackedRefs.names_under; the same object while it is).
    `keep_loose`, when given, filters the loose names instead of `keep`."""
    loose: list[str] = []
    _loose_files(os.path.join(gitdir, prefix).rstrip("/"), "", loose)
    return packed.names_under(prefix, keep), (keep_loose or keep)(loose)


def _loose_files(directory: str, rel: str, out: list[str]) -> None:
    """The file names below `directory` (prefixed by `rel`), not *.lock, as os.walk finds
    them (a symlinked directory is neither a file nor entered; an unreadable one is skipped),
    without its generator's cost: a write into a model lists its tags each time."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            if not entry.name.endswith(".lock"):
                out.append(rel + entry.name)
        elif not entry.is_symlink():
            _loose_files(entry.path, f"{rel}{entry.name}/", out)


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
