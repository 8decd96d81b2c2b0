"""Copies of a fresh clone's refs under other names, written straight into packed-refs.

`gitreg clone` needs every gitreg ref twice: as the registry's own and in the private mirror
(refs/gitreg/remotes/<remote>/...). Asking `git clone` for both doubles its ref work
(10.9 s against 8.5 s for a plain bare clone at 200,000 refs). A fresh clone holds its refs
in one sorted, fully peeled packed-refs and none loose, so the copies are lines of that file
under new names: the file is rewritten under `packed-refs.lock` and renamed in, as git
replaces it. Anything else (loose refs, an unsorted file, a name already taken, the lock held)
is left to git: `copy_refs` then changes nothing and says so.
"""
from __future__ import annotations

import bisect
import os
from pathlib import Path
from typing import Optional, Sequence

from gitreg.git.refs import refscan

_TRAITS = (b"sorted", b"fully-peeled")
_ID_SIZES = (40, 64)  # hex digits of a SHA-1 and a SHA-256 id


def _entries(body: bytes) -> Optional[list[tuple[bytes, bytes, Optional[bytes]]]]:
    """[(name, id, peeled id or None)] of a packed-refs body, or None if it is not well formed.
    The ids are checked all at once (one C-speed pass over them joined), not line by line."""
    out: list[tuple[bytes, bytes, Optional[bytes]]] = []
    for line in body.split(b"\n"):
        if not line:
            continue
        if line[:1] == b"^":
            if not out or out[-1][2] is not None:
                return None
            name, oid, _ = out[-1]
            out[-1] = (name, oid, line[1:])
            continue
        oid, space, name = line.partition(b" ")
        if not space or not name.startswith(b"refs/"):
            return None
        out.append((name, oid, None))
    ids = [oid for _name, oid, _peel in out] + [peel for _name, _oid, peel in out if peel is not None]
    if any(len(i) not in _ID_SIZES for i in ids) or b"".join(ids).translate(None, refscan.HEX):
        return None
    return out


def copy_refs(gitdir: Path, pairs: Sequence[tuple[str, str]]) -> bool:
    """For each (source prefix, destination prefix), add every packed ref below the source
    again below the destination (same id, same peel line). True when done; False when
    nothing was changed because the repository is not a fresh clone's (see module doc)."""
    lock = gitdir / "packed-refs.lock"
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    done = False
    try:
        with os.fdopen(fd, "wb") as out:
            content = _with_copies(gitdir, pairs)
            if content is not None:
                out.write(content)
        if content is not None:
            os.replace(lock, gitdir / "packed-refs")
            done = True
    finally:
        if not done:
            lock.unlink(missing_ok=True)
    return done


def _with_copies(gitdir: Path, pairs: Sequence[tuple[str, str]]) -> Optional[bytes]:
    """The new packed-refs, or None when the repository is not a fresh clone's."""
    try:
        data = (gitdir / "packed-refs").read_bytes()
    except FileNotFoundError:
        return None
    header, _, body = data.partition(b"\n")
    if not header.startswith(b"# pack-refs with:") or not all(t in header.split() for t in _TRAITS):
        return None
    for src, dst in pairs:
        if refscan.loose_count(gitdir, src, 1) or refscan.loose_count(gitdir, dst, 1):
            return None
    entries = _entries(body)
    if entries is None:
        return None
    names = [name for name, _oid, _peel in entries]
    if names != sorted(names):
        return None
    taken = set(names)
    copies = []
    for src, dst in pairs:  # the file is sorted: the refs below src are one run of it
        s, d = src.encode(), dst.encode()
        run = entries[bisect.bisect_left(names, s):bisect.bisect_left(names, s[:-1] + b"0")]  # '/' + 1
        copies += [(d + name[len(s):], oid, peel) for name, oid, peel in run]
    if any(name in taken for name, _oid, _peel in copies):
        return None
    lines = [header]
    for name, oid, peel in sorted(entries + copies):  # git sorts packed refs by name, bytewise
        lines.append(oid + b" " + name)
        if peel is not None:
            lines.append(b"^" + peel)
    return b"\n".join(lines) + b"\n"
