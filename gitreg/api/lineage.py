"""LineageTracker: the seed's lineage API (facade); the walks are in gitreg/model/ancestry.py."""
from __future__ import annotations

import os
from typing import Optional

from gitreg.api.registry import ModelRegistry
from gitreg.core.errors import LineageError
from gitreg.core.names import qualify, split_qualified
from gitreg.core.records import DataSource, ModelVersion
from gitreg.core.values import source_name
from gitreg.model.ancestry import ancestry, descendants, parents_within
from gitreg.model.manifest import stored_source


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
        start = self.registry._snapshot(model_name).commit_of(version).id
        return descendants(self.registry._reader(), start, model_name)

    def get_data_lineage(self, model_name: str, version: Optional[str] = None) -> dict[str, list[str]]:
        """{version: training data sources} for the version and all its ancestors."""
        model_name, version = self.registry.resolve(model_name, version)
        snap = self.registry._snapshot(model_name)
        out = {version: snap.stored(version).training_data_sources}
        for model, v, manifest in ancestry(snap, version):
            sources = manifest.get("training_data_sources") or []
            out[qualify(model, v, relative_to=model_name)] = [source_name(s) for s in sources]
        return out

    def get_data_provenance(self, model_name: str, version: Optional[str] = None) -> dict[str, list[DataSource]]:
        """get_data_lineage with each entry as recorded: name, revision, sha256, uri (DataSource)."""
        model_name, version = self.registry.resolve(model_name, version)
        snap = self.registry._snapshot(model_name)
        out: dict[str, list[DataSource]] = {version: list(snap.stored(version).training_data)}
        for model, v, manifest in ancestry(snap, version):
            sources = manifest.get("training_data_sources")
            out[qualify(model, v, relative_to=model_name)] = [
                d for d in map(stored_source, sources if isinstance(sources, list) else []) if d]
        return out

    def build_tree(self, model_name: str) -> str:
        from gitreg.api.report import tree_text

        snap = self.registry._snapshot(model_name)
        return tree_text(model_name, snap.all_versions(), parents_within(snap))

    def summary(self) -> str:
        from gitreg.api.report import lineage_summary

        models = {}
        for name in self.registry.list_models():
            snap = self.registry._snapshot(name)
            models[name] = (snap.all_versions(), parents_within(snap))
        return lineage_summary(self.registry.path, models)


__all__ = ["LineageTracker", "ancestry", "parents_within"]
