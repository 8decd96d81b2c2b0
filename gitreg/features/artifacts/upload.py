"""Before refs reach a remote: upload the LFS objects of the versions being published.

Called by gitreg.features.sync.sync right before every `git push` of gitreg refs. A version tag
in the push brings its commit's pointer files (artifacts/...); their objects go to
the remote's LFS endpoint first, and when any upload fails nothing is pushed, so no
ref is ever published whose objects are not there. Deployment refs and branches
carry trees of versions that are published with them or already were.
"""
from __future__ import annotations

import sys
from typing import Mapping, Optional

import pygit2

from gitreg.features.artifacts import tree
from gitreg.git import lfs
from gitreg.git.refs import layout
from gitreg.git.repository import Store

_MAX_POINTERS = 100_000  # per version: bounded work on an untrusted tree


def pointer_oids(store: Store, commit: pygit2.Commit) -> set[str]:
    """The object ids of the LFS pointers under artifacts/ in a commit's tree."""
    root = commit.tree
    if tree.ROOT not in root or root[tree.ROOT].type_str != "tree":
        return set()
    found: set[str] = set()
    pending = [store.repo[root[tree.ROOT].id]]
    while pending and len(found) < _MAX_POINTERS:
        for entry in pending.pop():
            if entry.type_str == "tree":
                pending.append(store.repo[entry.id])
            elif entry.type_str == "blob":
                blob = store.repo[entry.id]
                parsed = lfs.parse_pointer(blob.data) if blob.size <= lfs.MAX_POINTER_BYTES else None
                if parsed is not None:
                    found.add(parsed[0])
    return found


def before_push(store: Store, remote: str, refs: Mapping[str, pygit2.Oid], progress: Optional[bool] = None) -> None:
    """Upload the stored files of every version tag in `refs` to `remote` (raises RemoteError).

    git-lfs draws its upload progress when stderr is a terminal (as `git push` does), unless
    `progress` says otherwise."""
    if progress is None:
        progress = sys.stderr.isatty()
    oids: set[str] = set()
    for ref, target in refs.items():
        if ref.startswith(layout.TAGS):
            oids |= pointer_oids(store, store.commit(target))
    if oids:
        lfs.push_objects(store.git_dir(), remote, oids, progress=progress)
