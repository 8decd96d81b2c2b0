"""Lineage read from commit parentage: a version's first parent is what it was trained from."""
from __future__ import annotations

import os
from collections import deque
from typing import Optional

import pygit2

from . import yamlio
from .errors import LineageError
from .names import qualify, split_qualified
from .records import ModelVersion
from .registry import ModelRegistry
from .snapshot import READ_ERRORS, ModelSnapshot, model_names
from .storage import layout
from .storage.cache import ModelCache
from .storage.repository import Store


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


class LineageTracker:
    """The seed's lineage API, on the same git registry as ModelRegistry."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.registry = ModelRegistry(path)

    @property
    def path(self):
        return self.registry.path

    def add_version(
        self,
        model_name: str,
        version: str,
        parent_version: Optional[str] = None,
        training_data: Optional[list[str]] = None,
        git_commit: Optional[str] = None,
        base_model: Optional[str] = None,
        notes: str = "",
    ) -> ModelVersion:
        """Register the version if new; lineage is fixed once registered."""
        if self.registry.has_model(model_name):
            snap = self.registry._snapshot(model_name)
            if version in snap.versions:
                existing = snap.version(version)
                want = None
                if parent_version is not None:
                    pm, pv = split_qualified(parent_version, model_name)
                    want = qualify(pm, pv, relative_to=model_name)
                if existing.parent_version != want:
                    raise LineageError(
                        f"{model_name} {version} is registered with parent "
                        f"{existing.parent_version or 'none'}; lineage cannot be changed to "
                        f"{want or 'none'}"
                    )
                return existing
        return self.registry.register_model(
            model_name, version, parent_version=parent_version, training_data=training_data,
            git_commit=git_commit, base_model=base_model, notes=notes,
        )

    def get_ancestors(self, model_name: str, version: Optional[str] = None) -> list[str]:
        """Nearest first, e.g. ['v2', 'v1']; another model's versions as 'other:v3'.

        Like every call here taking a version: model and version, or one reference."""
        model_name, version = self.registry.resolve(model_name, version)
        snap = self.registry._snapshot(model_name)
        return [qualify(m, v, relative_to=model_name) for m, v, _ in ancestry(snap, version)]

    def get_parent(self, model_name: str, version: Optional[str] = None) -> Optional[str]:
        ancestors = self.get_ancestors(model_name, version)
        return ancestors[0] if ancestors else None

    def get_parents(self, model_name: str) -> dict[str, Optional[str]]:
        """{version: parent} for every version of a model (another model's as 'other:v3')."""
        return parents_within(self.registry._snapshot(model_name))

    def get_descendants(self, model_name: str, version: Optional[str] = None) -> list[str]:
        """Every version trained (transitively) from this one, in any model, breadth first."""
        model_name, version = self.registry.resolve(model_name, version)
        store = self.registry._reader()
        start = self.registry._snapshot(model_name).commit_of(version).id
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
                out.append(qualify(model, v, relative_to=model_name))
                queue.append(oid)
        return out

    def get_data_lineage(self, model_name: str, version: Optional[str] = None) -> dict[str, list[str]]:
        """{version: training data sources} for the version and all its ancestors."""
        model_name, version = self.registry.resolve(model_name, version)
        snap = self.registry._snapshot(model_name)
        out = {version: snap.stored(version).training_data_sources}
        for model, v, manifest in ancestry(snap, version):
            sources = manifest.get("training_data_sources") or []
            out[qualify(model, v, relative_to=model_name)] = [str(s) for s in sources]
        return out

    def build_tree(self, model_name: str) -> str:
        from .report import tree_text

        return tree_text(self.registry, model_name)

    def summary(self) -> str:
        from .report import lineage_summary

        return lineage_summary(self.registry)


__all__ = ["LineageTracker", "ancestry", "parents_within"]
