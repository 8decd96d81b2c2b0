"""Ancestry read from commit parentage: a version's first parent is what it was trained from.

A feature: it walks commits through the model layer (snapshots) and the derived cache;
the facade's LineageTracker and the reports call it.
"""
from __future__ import annotations

from collections import deque
from typing import Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.names import qualify
from gitreg.git.cache.cache import ModelCache
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot, model_names


def _manifest(store: Store, commit: pygit2.Commit, cache: Optional[ModelCache] = None) -> Optional[dict]:
    """The manifest of a version commit (from the derived cache when given); None for a root commit."""
    blob = store.file_id(commit, layout.MANIFEST_FILE)
    if blob is None:
        return None
    value = cache.manifest(str(blob)) if cache is not None else None
    if value is None:
        where = f"commit {str(commit.id)[:12]}:{layout.MANIFEST_FILE}"
        value = yamlio.load_mapping(store.read_blob(blob), where)
        if cache is not None:
            cache.put_manifest(str(blob), value)
    return value


def _identify(store: Store, commit: pygit2.Commit) -> Optional[tuple[str, str]]:
    """(model, version) of a version commit, from its manifest; None for a root commit."""
    m = _manifest(store, commit)
    return None if m is None else (str(m.get("model_name")), str(m.get("version")))


def ancestry(snap: ModelSnapshot, version: str) -> list[tuple[str, str, dict]]:
    """[(model, version, manifest)] along first parents, nearest first: one read per generation."""
    out = []
    cache = snap.store.cache(snap.model)  # keyed by blob id: any model's manifest may sit there
    commit = snap.commit_of(version)
    while commit.parents:
        commit = commit.parents[0]
        m = _manifest(snap.store, commit, cache)
        if m is None:
            break
        out.append((str(m.get("model_name")), str(m.get("version")), m))
    cache.flush()
    return out


def version_commits(snap: ModelSnapshot) -> dict[pygit2.Oid, str]:
    """{commit: version} of the versions that read (each bad one is a problem in store.problems)."""
    commits = {v: snap.try_commit(v) for v in snap.versions}
    return {c.id: v for v, c in commits.items() if c is not None}


def parents_within(snap: ModelSnapshot) -> dict[str, Optional[str]]:
    """{version: parent, qualified when in another model, None for a root of the tree}."""
    by_commit = version_commits(snap)
    out: dict[str, Optional[str]] = {}
    for version in snap.versions_sorted():
        commit = snap.try_commit(version)
        if commit is None:
            continue
        first = commit.parents[0] if commit.parents else None
        if first is None:
            out[version] = None
        elif first.id in by_commit:
            out[version] = by_commit[first.id]
        else:
            try:
                who = _identify(snap.store, first)
            except READ_ERRORS as exc:
                snap.store.problems.add(layout.tag_ref(snap.model, version), f"parent: {exc}")
                who = None
            out[version] = None if who is None else qualify(*who, relative_to=None)
    return out


def descendants(store: Store, start: pygit2.Oid, relative_to: str) -> list[str]:
    """Every version trained (transitively) from the commit `start`, in any model, breadth first."""
    children: dict[pygit2.Oid, list[tuple[str, str, pygit2.Oid]]] = {}
    for model in model_names(store):
        snap = ModelSnapshot(store, model)
        for v in snap.versions_sorted():
            commit = snap.try_commit(v)
            if commit is not None and commit.parents:
                children.setdefault(commit.parents[0].id, []).append((model, v, commit.id))
    out: list[str] = []
    queue = deque([start])
    while queue:
        for model, v, oid in children.get(queue.popleft(), []):
            out.append(qualify(model, v, relative_to=relative_to))
            queue.append(oid)
    return out
