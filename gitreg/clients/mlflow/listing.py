"""MLflow's search calls answered from the registry-wide view index (registry.catalog):
MLflow's own filter and sort run on light entities made from the index's columns, and
whole entities are built for the page only, from the records of the page's versions.

A model the index could not hold (one with a read problem) is left to the caller, which
reads it whole (ModelView.load) as before, so its problems are told every time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from mlflow.entities.model_registry import ModelVersion, ModelVersionTag, RegisteredModel, RegisteredModelTag
from mlflow.entities.model_registry.model_version_stages import STAGE_ARCHIVED, STAGE_NONE

from gitreg import ModelRegistry
from gitreg import ModelVersion as GitregVersion
from gitreg.clients.mlflow import mapping
from gitreg.clients.mlflow.mapping import STAGE_ENVIRONMENTS, ModelView, millis, number, tag_dict

COLUMNS = ("created", "environment", "status", "tag")  # besides model, version and updated
_RETIRED = {s.value for s in mapping.RETIRED}
# attributes of a model-version filter the columns answer; any other (run_id, source_path)
# or a `params.*` tag is decided on light entities made from the records
_FROM_COLUMNS = {"name", "version_number"}


@dataclass
class Indexed:
    """One indexed model: the view its entities are made with (no records in it yet)."""
    view: ModelView
    versions: list[str]                   # its MLflow-numbered versions, oldest first
    created: dict[str, Optional[int]]     # version -> creation ms
    environments: dict[str, list[str]]
    status: dict[str, str]
    tags: dict[str, list[str]]


class Listing:
    """The index's models for one call: `models` indexed, `unindexed` for the caller."""

    def __init__(self, registry: ModelRegistry, only: Optional[set[str]]) -> None:
        self.registry = registry
        self.catalog = registry.catalog(only, COLUMNS)
        self.unindexed = self.catalog.unindexed
        approvals = {name: registry.approvals(name) for name in sorted(self.catalog.approved)}
        self.models = {name: _indexed(name, entry, approvals.get(name, []))
                       for name, entry in self.catalog.entries.items()}

    def records(self, name: str, versions: Iterable[str]) -> dict[str, GitregVersion]:
        """Whole records of these versions: from the index's rows, else read directly."""
        versions = list(versions)
        found = self.catalog.records(name, versions)
        if found is None:
            found = {r.version: r for r in self.registry.get_versions(name, versions)}
        return found

    # -- model versions ---------------------------------------------------------------------
    def light_versions(self, name: str, filter_string: Optional[str],
                       matched: Optional[set[tuple[str, str]]]) -> list[tuple[ModelVersion, str]]:
        """(light entity, gitreg version) of each MLflow-numbered version of an indexed model."""
        model = self.models[name]
        versions = [v for v in model.versions if matched is None or (name, v) in matched]
        if not _needs_records(filter_string):
            updated = model.view.updated
            return [(ModelVersion(name=name, version=number(v), creation_timestamp=model.created[v],
                                  last_updated_timestamp=updated.get(v, model.created[v]),
                                  tags=[ModelVersionTag(k, val) for k, val in tag_dict(model.tags[v]).items()]), v)
                    for v in versions]
        records = self.records(name, versions)
        return [(mapping.model_version(model.view, records[v], light=True), v) for v in versions]

    def model_versions(self, wanted: list[tuple[str, str]]) -> list[ModelVersion]:
        """Whole entities of (model, version) pairs, in that order."""
        by_model: dict[str, list[str]] = {}
        for name, version in wanted:
            by_model.setdefault(name, []).append(version)
        records = {name: self.records(name, versions) for name, versions in by_model.items()}
        return [mapping.model_version(self.models[name].view, records[name][version]) for name, version in wanted]

    # -- registered models ------------------------------------------------------------------
    def light_model(self, name: str) -> RegisteredModel:
        """What MLflow's registered-model filter and sort read (name, times, tags)."""
        view = self.models[name].view
        created = millis(view.metadata.created_at)
        return RegisteredModel(name=name, creation_timestamp=created,
                               last_updated_timestamp=view.updated.get(None, created),
                               description=view.metadata.description or "",
                               tags=[RegisteredModelTag(k, v) for k, v in tag_dict(view.metadata.tags).items()])

    def registered_model(self, name: str) -> RegisteredModel:
        """The whole entity: its view given the records of its latest version per stage."""
        model = self.models[name]
        undecided = [v for v in model.versions if _stage(model, v) is None]  # deployed elsewhere: status read
        decided = self.records(name, undecided) if undecided else {}
        latest: dict[str, str] = {}
        for v in model.versions:  # oldest first: the last one seen is the highest
            stage = _stage(model, v) or mapping.stage_of(decided[v])
            latest[stage] = v
        records = self.records(name, latest.values())
        model.view.versions = sorted(records.values(), key=lambda r: number(r.version))
        return mapping.registered_model(model.view)


def _indexed(name: str, entry: Any, approvals: list[Any]) -> Indexed:
    cols = entry.columns
    updated: dict[Optional[str], int] = {v: u for v, u in zip(entry.versions, cols["updated"]) if u is not None}
    updated[None] = entry.updated
    for a in approvals:  # approvals are events too (ModelView.load reads them with the history)
        when = millis(a.time) or 0
        for key in {None, a.version}:
            updated[key] = max(updated.get(key, 0), when)
    numbered = sorted((v for v in entry.versions if number(v) is not None), key=number)
    aliases = {env: v for v, envs in zip(entry.versions, cols["environment"]) for env in envs}
    view = ModelView(metadata=entry.metadata, versions=[],
                     unnumbered=[v for v in entry.versions if number(v) is None],
                     aliases=aliases, updated=updated)
    return Indexed(view, numbered, {v: millis(c) for v, c in zip(entry.versions, cols["created"])},
                   dict(zip(entry.versions, cols["environment"])), dict(zip(entry.versions, cols["status"])),
                   dict(zip(entry.versions, cols["tag"])))


def _stage(model: Indexed, version: str) -> Optional[str]:
    """mapping.stage_of from the columns; None when deployed only outside the stage
    environments (the view's status then says `deployed`, and the record's is needed)."""
    envs = model.environments[version]
    for stage, env in STAGE_ENVIRONMENTS.items():
        if env in envs:
            return stage
    if envs:
        return None
    return STAGE_ARCHIVED if model.status[version] in _RETIRED else STAGE_NONE


def _needs_records(filter_string: Optional[str]) -> bool:
    """Whether the filter reads more of a version than its name, number and gitreg tags (a
    light entity from the columns has those tags only: `params.*` tags come from records)."""
    if not filter_string:
        return False
    from mlflow.exceptions import MlflowException
    from mlflow.utils.search_utils import SearchModelVersionUtils

    try:
        clauses = SearchModelVersionUtils.parse_search_filter(filter_string)
    except MlflowException:
        return True  # MLflow's filter raises it, with its own message
    return not all((c.get("type") == "attribute" and c.get("key") in _FROM_COLUMNS)
                   or (c.get("type") == "tag" and not str(c.get("key")).startswith(mapping.PARAM_TAG))
                   for c in clauses)
