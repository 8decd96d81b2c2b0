"""Commit and tree objects parsed from their raw bytes (as `git cat-file --batch` gives them).

For readers that run without pygit2 (a clone's summary). Objects are untrusted: anything
that is not well formed parses as None, never raises.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gitreg.git.refs import refscan


@dataclass(frozen=True)
class RawCommit:
    tree: str
    parents: list[str]
    message: bytes  # after the header's blank line and any further empty lines, as libgit2's raw_message


def commit(data: bytes) -> Optional[RawCommit]:
    """The tree, parents and raw message of a commit object, or None when it is not one."""
    header, sep, message = data.partition(b"\n\n")
    if not sep:
        header, message = data.rstrip(b"\n"), b""
    tree: Optional[str] = None
    parents: list[str] = []
    for line in header.split(b"\n"):
        if line[:1] == b" ":  # a continuation (a signature's lines): never tree or parent
            continue
        key, _, value = line.partition(b" ")
        if key == b"tree" and tree is None:
            tree = refscan.oid_hex(value)
        elif key == b"parent":
            parent = refscan.oid_hex(value)
            if parent is None:
                return None
            parents.append(parent)
    return RawCommit(tree, parents, message.lstrip(b"\n")) if tree is not None else None


def tree_names(data: bytes, oid_size: int) -> Optional[set[str]]:
    """The entry names of a tree object (`<mode> <name>\\0<id>`; `oid_size` 20 for SHA-1,
    32 for SHA-256), or None when it is not well formed."""
    names: set[str] = set()
    pos, size = 0, len(data)
    while pos < size:
        space = data.find(b" ", pos)
        nul = data.find(b"\0", space + 1) if space != -1 else -1
        if nul == -1 or nul + 1 + oid_size > size:
            return None
        names.add(data[space + 1:nul].decode("utf-8", "surrogateescape"))
        pos = nul + 1 + oid_size
    return names
