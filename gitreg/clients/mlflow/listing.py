"""MLflow's search calls answered from the registry-wide view index (registry.catalog):
MLflow's own filter and sort run on light entities made from the index's columns, and
whole entities are built for the page only, from the records of the page's versions.

A model the index could not hold (one with a read problem) is left to the caller, which
reads it whole (ModelView.load) as before, so its problems are told every time.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Optional

from mlflow.entities.model_registry import ModelVersion, RegisteredModel, RegisteredModelTag
from mlflow.entities.model_registry.model_version_stages import STAGE_ARCHIVED, STAGE_NONE
from mlflow.prompt.constants import IS_PROMPT_TAG_KEY
from mlflow.utils.search_utils import SearchModelVersionUtils

from gitreg import ModelRegistry
from gitreg import ModelVersion as GitregVersion
from gitreg.clients.mlflow import mapping, search
from gitreg.clients.mlflow.mapping import STAGE_ENVIRONMENTS, LightVersion, ModelView, millis, number, tag_dict

COLUMNS = ("created_ts", "environment", "status", "tag")  # besides model, version and updated
_RETIRED = {s.value for s in mapping.RETIRED}
# attributes of a model-version filter the columns answer; any other (run_id, source_path)
# or a `params.*` tag is decided on light entities made from the records
_FROM_COLUMNS = {"name", "version_number"}


@dataclass
class Indexed:
    """One indexed model: the view its entities are made with (no records in it yet)."""
    view: ModelView
    versions: list[str]                   # its MLflow-numbered versions, oldest first
    numbers: dict[str, int]               # version -> MLflow version number
    created: dict[str, Optional[int]]     # version -> creation ms
    environments: dict[str, list[str]]
    status: dict[str, str]
    tags: dict[str, list[str]]
    light: list[LightVersion]             # of `versions`, from the columns: shared, never changed


class Listing:
    """The index's models for one call: `models` indexed, `unindexed` for the caller."""

    def __init__(self, registry: ModelRegistry, only: Optional[set[str]]) -> None:
        self.registry = registry
        self.catalog = registry.catalog(only, COLUMNS)
        self.unindexed = self.catalog.unindexed
        approvals = {name: registry.approvals(name) for name in sorted(self.catalog.approved)}
        memo = _MEMOS.setdefault(str(registry.path), {})
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        self.models = {}
        for name, entry in self.catalog.entries.items():
            times = tuple((a.time, a.version) for a in approvals.get(name, []))
            # what an Indexed is made of: equal keys, equal models (the columns by their MACs)
            key = (name, entry.key, entry.updated, repr(entry.metadata), times)
            model = memo.get(key)
            if model is None:
                model = memo[key] = _indexed(name, entry, times)
            self.models[name] = model

    def records(self, name: str, versions: Iterable[str]) -> dict[str, GitregVersion]:
        """Whole records of these versions: from the index's rows, else read directly."""
        versions = list(versions)
        found = self.catalog.records(name, versions, shared=True)  # entities copy what they use
        if found is None:
            found = {r.version: r for r in self.registry.get_versions(name, versions)}
        return found

    # -- model versions ---------------------------------------------------------------------
    def light_versions(self, name: str, records: bool,
                       matched: Optional[set[tuple[str, str]]]) -> list[LightVersion]:
        """The light entity of each MLflow-numbered version of an indexed model, `made_from`
        (model, gitreg version); made from the records when the filter reads more than the
        columns hold (needs_records)."""
        model = self.models[name]
        versions = [v for v in model.versions if matched is None or (name, v) in matched]
        if not records:
            if matched is None:
                return model.light  # made once per model state; MLflow's filter and sort only read them
            return [e for e in model.light if (name, e.made_from[1]) in matched]
        records = self.records(name, versions)
        return [mapping.model_version(model.view, records[v], light=True, made_from=(name, v)) for v in versions]

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
        return mapping.registered_model(replace(model.view, versions=sorted(records.values(),
                                                                            key=lambda r: number(r.version))))


MEMO_LIMIT = 10_000  # models' Indexed kept per registry; past it the memo starts again
_MEMOS: dict[str, dict[Any, Indexed]] = {}


def forget() -> None:
    """Drop the remembered models, and what the catalog remembers (for benchmarks)."""
    from gitreg.features.query import catalog

    _MEMOS.clear()
    catalog.forget()


def _indexed(name: str, entry: Any, approvals: tuple[tuple[str, str], ...]) -> Indexed:
    """A model's Indexed, from its index entry and its approvals' (time, version)."""
    cols = entry.columns
    updated: dict[Optional[str], int] = {v: u for v, u in zip(entry.versions, cols["updated"]) if u is not None}
    updated[None] = entry.updated
    for time, version in approvals:  # approvals are events too (ModelView.load reads them with the history)
        when = millis(time) or 0
        for key in {None, version}:
            updated[key] = max(updated.get(key, 0), when)
    numbers = {v: n for v in entry.versions if (n := number(v)) is not None}
    numbered = sorted(numbers, key=numbers.__getitem__)
    aliases = {env: v for v, envs in zip(entry.versions, cols["environment"]) for env in envs}
    view = ModelView(metadata=entry.metadata, versions=[],
                     unnumbered=[v for v in entry.versions if v not in numbers],
                     aliases=aliases, updated=updated)
    # creation ms as mapping.millis makes them of `created` (created_ts is that time's timestamp())
    created = {v: None if ts is None else int(ts * 1000) for v, ts in zip(entry.versions, cols["created_ts"])}
    tags = dict(zip(entry.versions, cols["tag"]))
    light = [LightVersion(name, numbers[v], created[v], updated.get(v, created[v]), tags=tag_dict(tags[v]),
                          made_from=(name, v)) for v in numbered]
    return Indexed(view, numbered, numbers, created,
                   dict(zip(entry.versions, cols["environment"])), dict(zip(entry.versions, cols["status"])),
                   tags, light)


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


def needs_records(filter_string: Optional[str]) -> bool:
    """Whether the filter reads more of a version than its name, number and gitreg tags (a
    light entity from the columns has those tags only: `params.*` tags come from records)."""
    clauses = search.clauses(filter_string, SearchModelVersionUtils)
    if clauses is None:
        return True  # MLflow's filter raises it, with its own message
    return not all((c.get("type") == "attribute" and c.get("key") in _FROM_COLUMNS)
                   or (c.get("type") == "tag" and not str(c.get("key")).startswith(mapping.PARAM_TAG))
                   for c in clauses)


def _answered(clause: dict[str, Any]) -> bool:
    """A clause the listing has already decided: `name =` / `name IN` (the models listed are
    exactly those names: search.names_required), or the prompt clause MLflow's stores add."""
    if clause.get("type") == "attribute" and clause.get("key") == "name":
        return clause.get("comparator") in ("=", "IN")
    return clause == _PROMPT_CLAUSE


_PROMPT_CLAUSE = {"type": "tag", "key": IS_PROMPT_TAG_KEY, "comparator": "!=", "value": "true"}


def filter_versions(entities: list[Any], filter_string: Optional[str]) -> list[Any]:
    """MLflow's model-version filter; a filter of only answered clauses is applied here as
    MLflow applies it (a version is a prompt when its tag says 'true'; none is 'deleted'),
    without running its clause matcher once per version."""
    clauses = search.clauses(filter_string, SearchModelVersionUtils)
    if clauses is not None and all(_answered(c) for c in clauses):
        return [e for e in entities if e.tags.get(IS_PROMPT_TAG_KEY) != "true"] \
            if _PROMPT_CLAUSE in clauses else list(entities)
    return SearchModelVersionUtils.filter(entities, filter_string)


def sort_versions(entities: list[Any], order_by: Optional[list[str]]) -> list[Any]:
    """MLflow's order; its default (last updated desc, name, version desc; a missing time
    last) by a plain key, the same order its sort makes (tests compare them)."""
    if order_by:
        return SearchModelVersionUtils.sort(entities, order_by)
    return sorted(entities, key=_default_key)


def _default_key(e: Any) -> tuple[bool, int, str, int]:
    updated = e.last_updated_timestamp
    return (updated is None, -(updated or 0), e.name, -e.version)
