"""Refs and their object ids under prefixes, without pygit2: what Store.refs_under gives.

packed-refs and loose ref files are read as refscan reads them; the rare target that is not a
plain id (a symbolic ref) is resolved by one `git for-each-ref`, as libgit2 resolves it for
Store. For the clone summary, which runs without pygit2 (gitreg/features/trust/census.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from gitreg.core.errors import CorruptRegistryError
from gitreg.git import gitcli
from gitreg.git.refs import refscan


def targets(gitdir: Path, prefixes: Sequence[str], packed: Optional[refscan.PackedRefs] = None) -> dict[str, str]:
    """{full name: object id (hex)} of every ref below each prefix (each ends in '/'); a ref
    whose target cannot be resolved is left out."""
    found: dict[str, str] = {}
    odd: list[str] = []
    for prefix in prefixes:
        for name, raw in refscan.targets_under(gitdir, prefix, packed).items():
            hexid = refscan.oid_hex(raw)
            if hexid is not None:
                found[name] = hexid
            else:
                odd.append(name)
    if odd:
        proc = gitcli.run(gitdir, "for-each-ref", "--format=%(objectname) %(refname)", *odd)
        if proc.returncode != 0:
            raise CorruptRegistryError(f"cannot read refs: {proc.stderr.strip()[:200]}")
        wanted = set(odd)
        for line in proc.stdout.splitlines():
            oid, _, name = line.partition(" ")
            if name in wanted and refscan.oid_hex(oid.encode()) is not None:
                found[name] = oid
    return found
