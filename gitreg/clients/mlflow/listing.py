"""MLflow's search calls answered from the registry-wide view index (registry.catalog):
MLflow's own filter and sort run on light entities made from the index's columns, and
whole entities are built for the page only, from the records of the page's versions.
MLflow's default order with a filter the listing decides reads only the version and updated
columns, and makes sort keys only for the versions that can be on the page (a fresh process's
first call at 10,000 versions: issue 28).

A model the index could not hold (one with a read problem) is left to the caller, which
reads it whole (ModelView.load) as before, so its problems are told every time.
"""
from __future__ import annotations

import functools
import heapq
import re
from dataclasses import replace
from itertools import chain, compress, repeat
from operator import neg
from os import PathLike
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from mlflow.entities.model_registry import ModelVersion, RegisteredModel, RegisteredModelTag
from mlflow.entities.model_registry.model_version_stages import STAGE_ARCHIVED, STAGE_NONE
from mlflow.prompt.constants import IS_PROMPT_TAG_KEY
from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils

from gitreg.clients.mlflow import mapping, search
from gitreg.clients.mlflow.mapping import STAGE_ENVIRONMENTS, LightVersion, ModelView, millis, number, tag_dict
from gitreg.core.records import ModelVersion as GitregVersion
from gitreg.features.query import catalog

if TYPE_CHECKING:
    from gitreg.api.registry import ModelRegistry

# the columns each kind of call reads, besides model, version and updated (an index column is
# parsed and checked only when a call reads it)
VERSION_COLUMNS = ("created_ts", "environment", "tag")  # model versions: times, aliases, tags
MODEL_COLUMNS = ("environment", "status")               # registered models: each version's stage
# MLflow's default order with a filter the listing answers: no more (the page's aliases are its
# records' environments; tags are read of a model whose tag line may name a prompt, creation
# times if a version has no event)
ORDER_COLUMNS: tuple[str, ...] = ()
_RETIRED = {s.value for s in mapping.RETIRED}
# attributes of a model-version filter the columns answer; any other (run_id, source_path)
# or a `params.*` tag is decided on light entities made from the records
_FROM_COLUMNS = {"name", "version_number"}

DefaultKey = tuple[bool, int, str, int]  # MLflow's default order of versions (default_key)


class Indexed:
    """One indexed model: the view its entities are made with (no records in it yet), and its
    columns. Light entities and sort keys are made on first use only, and then kept: the
    object is shared (a memo keyed by what it is made of) and never changed otherwise."""

    def __init__(self, name: str, entry: Any, approvals: tuple[tuple[str, str], ...]) -> None:
        cols, rows = entry.columns, entry.versions
        self.name, self.columns, self.rows = name, cols, rows
        # the model's metadata, newest event (epoch ms) and approvals (events too)
        self.metadata, self.newest, self.approvals = entry.metadata, entry.updated, approvals
        self.aliased = "environment" in cols  # else the page's records give the aliases (view_of)
        # every row an MLflow version number (`v<N>`, told in one pass) timed by its column alone:
        # the default order's keys are made of the columns, for the versions a page can hold
        self.plain = not approvals and None not in cols["updated"] and _numbered(rows)

    @functools.cached_property
    def base(self) -> ModelView:
        """The view entities are made with (its aliases only if listed with the environment column)."""
        cols, rows = self.columns, self.rows
        times = cols["updated"]
        updated: dict[Optional[str], int] = dict(zip(rows, times))
        if None in times:  # (a scan at C speed: as the index is written, every version has a time)
            updated = {v: u for v, u in updated.items() if u is not None}
        updated[None] = self.newest
        for time, version in self.approvals:  # approvals are events too (ModelView.load reads them with the history)
            when = millis(time) or 0
            for key in {None, version}:
                updated[key] = max(updated.get(key, 0), when)
        return ModelView(metadata=self.metadata, versions=[],
                         unnumbered=[v for v, n in zip(rows, self.found) if n is None] if not self.plain else [],
                         aliases=_aliases(rows, cols["environment"]) if self.aliased else {}, updated=updated)

    @functools.cached_property
    def found(self) -> list[Optional[int]]:
        """Each row's MLflow version number (None: not one)."""
        return list(map(number, self.rows))

    @functools.cached_property
    def numbers(self) -> dict[str, int]:
        """{version: MLflow version number} of the numbered versions."""
        return {v: n for v, n in zip(self.rows, self.found) if n is not None}

    @functools.cached_property
    def versions(self) -> list[str]:
        """The MLflow-numbered versions, oldest first."""
        numbers = self.numbers
        return sorted(numbers, key=numbers.__getitem__)

    @property
    def view(self) -> ModelView:
        """The view entities are made with (listed with the environment column: its aliases)."""
        if not self.aliased:
            raise LookupError(f"{self.name} was listed without its aliases (view_of)")
        return self.base

    def view_of(self, records: Iterable[GitregVersion]) -> ModelView:
        """The view entities of these records are made with: listed without the environment
        column, its aliases are those the records are deployed in (each version's aliases are
        its environments: the records and the column are read from the same refs)."""
        if self.aliased:
            return self.base
        return replace(self.base, aliases={env: r.version for r in records for env in r.environments})

    def column(self, key: str) -> dict[str, Any]:
        """{version: value} of one of the columns this model was listed with."""
        return dict(zip(self.rows, self.columns[key]))

    @functools.cached_property
    def created(self) -> dict[str, Optional[int]]:
        """Creation ms as mapping.millis makes them of `created` (created_ts is that time's timestamp())."""
        return {v: None if ts is None else int(ts * 1000) for v, ts in zip(self.rows, self.columns["created_ts"])}

    @functools.cached_property
    def light(self) -> list[LightVersion]:
        """The light entity of each numbered version, from the columns (VERSION_COLUMNS)."""
        created, updated, tags = self.created, self.base.updated, self.column("tag")
        return [LightVersion(self.name, self.numbers[v], created[v], updated.get(v, created[v]),
                             tags=tag_dict(tags[v]), made_from=(self.name, v)) for v in self.versions]

    @functools.cached_property
    def default_keys(self) -> list[tuple[DefaultKey, tuple[str, str]]]:
        """(MLflow's default sort key, (model, version)) of each numbered version, the key as
        default_key makes it of the light entity, without making one."""
        name = self.name
        if self.plain:  # (in row order: the keys are unique, and a page is chosen by them)
            keys = zip(repeat(False), map(neg, self.columns["updated"]), repeat(name), map(neg, self.found))
            return list(zip(keys, zip(repeat(name), self.rows)))
        updated, numbers = self.base.updated, self.numbers
        try:  # as the index is written: every version has a time
            return [((False, -updated[v], name, -numbers[v]), (name, v)) for v in self.versions]
        except KeyError:  # (KeyError too when listed without created_ts: Listing.default_order reads it)
            return self.keys_with(self.created)

    def keys_since(self, floor: int) -> list[tuple[DefaultKey, tuple[str, str]]]:
        """default_keys of the versions updated at `floor` or later (a plain model only)."""
        times = self.columns["updated"]
        since = list(map(floor.__le__, times))  # (at C speed; JSON makes exact ints, checked as such)
        name = self.name
        return [((False, -u, name, -int(v[1:])), (name, v))
                for v, u in zip(compress(self.rows, since), compress(times, since))]

    def keys_with(self, created: dict[str, Optional[int]]) -> list[tuple[DefaultKey, tuple[str, str]]]:
        """default_keys, a version without an event timed by its creation (ms by version)."""
        updated, name, numbers = self.base.updated, self.name, self.numbers
        return [(_key(name, numbers[v], updated.get(v, created[v])), (name, v)) for v in self.versions]

    @functools.cached_property
    def prompts(self) -> frozenset[str]:
        """Versions MLflow counts as prompts (their tag `mlflow.prompt.is_prompt` says 'true',
        the last of that key winning, as tag_dict reads tags)."""
        return _prompts(self.rows, self.columns["tag"])


class Listing:
    """The index's models for one call: `models` indexed, `unindexed` for the caller.

    From the registry's path (catalog.catalog_at): a current index is read from its file and
    the ref files alone; `registry` (the API, which loads pygit2) is asked for only what the
    index does not hold: approvals of the models that have any, and records it cannot give."""

    def __init__(self, path: Optional[str | PathLike[str]], registry: Callable[[], "ModelRegistry"],
                 only: Optional[set[str]], columns: tuple[str, ...]) -> None:
        self.registry = registry
        self.catalog = catalog.catalog_at(path, only, columns)
        self.unindexed = self.catalog.unindexed
        approvals = {name: registry().approvals(name) for name in sorted(self.catalog.approved)}
        source = self.catalog.source
        memo = _MEMOS.setdefault(source.key if source is not None else "", {})
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        self.models: dict[str, Indexed] = {}
        for name, entry in self.catalog.entries.items():
            times = tuple((a.time, a.version) for a in approvals.get(name, []))
            # what an Indexed is made of: equal keys, equal models (the columns by their names and MACs)
            key = (name, columns, entry.key, entry.updated, repr(entry.metadata), times)
            model = memo.get(key)
            if model is None:
                model = memo[key] = Indexed(name, entry, times)
            self.models[name] = model

    def records(self, name: str, versions: Iterable[str]) -> dict[str, GitregVersion]:
        """Whole records of these versions: from the index's rows, else read directly."""
        versions = list(versions)
        found = self.catalog.records(name, versions, shared=True)  # entities copy what they use
        if found is None:
            found = {r.version: r for r in self.registry().get_versions(name, versions)}
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

    def default_order(self, matched: Optional[set[tuple[str, str]]], prompts: bool,
                      first: Optional[int] = None) -> tuple[list[tuple[DefaultKey, tuple[str, str]]], int]:
        """(MLflow's default sort key, (model, version)) of the numbered versions of the indexed
        models (of `matched` only, if given; without prompts if `prompts`): what filter_versions
        and sort_versions would keep and order by, when the filter holds only answered clauses,
        without a light entity per version; and how many such versions there are. With `first`,
        of models whose every version is timed by its column only the versions that can be among
        the first `first` in that order: those not older than the `first`-th newest of them
        (each older one has `first` versions before it), so a page of 100 out of 10,000 makes
        keys for about 100 versions."""
        out: list[tuple[DefaultKey, tuple[str, str]]] = []
        timed: list[Indexed] = []
        total = 0
        for name, model in list(self.models.items()):
            dropped = self._prompts(name) if prompts else frozenset()
            if dropped is None:
                continue
            if first is not None and matched is None and not dropped and model.plain:
                timed.append(model)
                total += len(model.rows)
                continue
            try:
                keys = model.default_keys
            except KeyError:  # a version without an event, listed without creation times: read them
                keys = self._keys_with_created(name)
                if keys is None:
                    continue
            if matched is None and not dropped:
                out.extend(keys)
                total += len(keys)
            else:
                kept = [item for item in keys if item[1][1] not in dropped and (matched is None or item[1] in matched)]
                out.extend(kept)
                total += len(kept)
        if timed:
            newest = heapq.nlargest(first, chain.from_iterable(m.columns["updated"] for m in timed)) if first else []
            floor = newest[-1] if first and len(newest) == first else None
            for model in timed:
                out.extend(model.default_keys if floor is None else model.keys_since(floor))
        return out, total

    def _prompts(self, name: str) -> Optional[frozenset[str]]:
        """Indexed.prompts of a model, its tags read only if its tag line may name the prompt
        key; None when that column fails its checks (the model is then left to the caller)."""
        model = self.models[name]
        if "tag" in model.columns:
            return model.prompts
        if not self.catalog.may_hold(name, "tag", IS_PROMPT_TAG_KEY):
            return frozenset()
        got = self._more(name, "tag")
        return None if got is None else _prompts(model.rows, got)

    def _keys_with_created(self, name: str) -> Optional[list[tuple[DefaultKey, tuple[str, str]]]]:
        """default_keys of a model listed without created_ts, read now; None when that column
        fails its checks (the model is then left to the caller)."""
        got = self._more(name, "created_ts")
        if got is None:
            return None
        model = self.models[name]
        return model.keys_with({v: None if ts is None else int(ts * 1000) for v, ts in zip(model.rows, got)})

    def _more(self, name: str, key: str) -> Optional[list[Any]]:
        """A column of a model it was not listed with, read now; None when it fails its checks
        (after a rebuild): the model is then unindexed, left to the caller, which reads it whole."""
        got = self.catalog.more([name], (key,)).get(name)
        if got is None:
            del self.models[name]
            self.unindexed = sorted({*self.unindexed, name})
            return None
        return got[key]

    def model_versions(self, wanted: list[tuple[str, str]]) -> list[ModelVersion]:
        """Whole entities of (model, version) pairs, in that order."""
        by_model: dict[str, list[str]] = {}
        for name, version in wanted:
            by_model.setdefault(name, []).append(version)
        records = {name: self.records(name, versions) for name, versions in by_model.items()}
        views = {name: self.models[name].view_of(records[name].values()) for name in by_model}
        return [mapping.model_version(views[name], records[name][version]) for name, version in wanted]

    # -- registered models ------------------------------------------------------------------
    def light_model(self, name: str) -> RegisteredModel:
        """What MLflow's registered-model filter and sort read (name, times, tags)."""
        view = self.models[name].base  # (no aliases read)
        created = millis(view.metadata.created_at)
        return RegisteredModel(name=name, creation_timestamp=created,
                               last_updated_timestamp=view.updated.get(None, created),
                               description=view.metadata.description or "",
                               tags=[RegisteredModelTag(k, v) for k, v in tag_dict(view.metadata.tags).items()])

    def registered_model(self, name: str) -> RegisteredModel:
        """The whole entity: its view given the records of its latest version per stage
        (listed with MODEL_COLUMNS)."""
        model = self.models[name]
        environments, status = model.column("environment"), model.column("status")
        stages = {v: _stage(environments[v], status[v]) for v in model.versions}
        undecided = [v for v in model.versions if stages[v] is None]  # deployed elsewhere: status read
        decided = self.records(name, undecided) if undecided else {}
        latest: dict[str, str] = {}
        for v in model.versions:  # oldest first: the last one seen is the highest
            latest[stages[v] or mapping.stage_of(decided[v])] = v
        records = self.records(name, latest.values())
        return mapping.registered_model(replace(model.view, versions=sorted(records.values(),
                                                                            key=lambda r: number(r.version))))


MEMO_LIMIT = 10_000  # models' Indexed kept per registry; past it the memo starts again
_MEMOS: dict[str, dict[Any, Indexed]] = {}


def forget() -> None:
    """Drop the remembered models, and what the catalog remembers (for benchmarks)."""
    _MEMOS.clear()
    catalog.forget()


@functools.cache
def _numbers() -> re.Pattern[str]:
    """number()'s names, one a line (compiled on first use)."""
    return re.compile(r"(?:v[1-9][0-9]{0,17}\n)*v[1-9][0-9]{0,17}")


def _numbered(versions: list[str]) -> bool:
    """Whether every version is an MLflow version number (number() is not None), in one pass."""
    text = "\n".join(versions)
    return bool(versions) and text.count("\n") == len(versions) - 1 and _numbers().fullmatch(text) is not None


def _prompts(versions: list[str], tags: list[list[str]]) -> frozenset[str]:
    """Versions MLflow counts as prompts (their tag `mlflow.prompt.is_prompt` says 'true', the
    last of that key winning, as tag_dict reads tags)."""
    if IS_PROMPT_TAG_KEY not in "\n".join(chain.from_iterable(tags)):  # no version has the key: one scan
        return frozenset()
    return frozenset(v for v, tags_ in zip(versions, tags)
                     if tags_ and tag_dict(tags_).get(IS_PROMPT_TAG_KEY) == "true")


def _aliases(versions: list[str], environments: list[list[str]]) -> dict[str, str]:
    """{environment: version} of a model's environment column (the last version naming one wins)."""
    return {env: v for v, envs in zip(versions, environments) for env in envs}


def _stage(environments: list[str], status: str) -> Optional[str]:
    """mapping.stage_of from the columns; None when deployed only outside the stage
    environments (the view's status then says `deployed`, and the record's is needed)."""
    for stage, env in STAGE_ENVIRONMENTS.items():
        if env in environments:
            return stage
    if environments:
        return None
    return STAGE_ARCHIVED if status in _RETIRED else STAGE_NONE


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
    return clause == search.PROMPT_CLAUSE


def _all_answered(filter_string: Optional[str], parse: Any) -> Optional[tuple[dict[str, Any], ...]]:
    """The filter's clauses when every one is answered (`parse`: MLflow's parser for the entity);
    None when one is not, or MLflow refuses the filter (its own filter then raises)."""
    clauses = search.clauses(filter_string, parse)
    return clauses if clauses is not None and all(_answered(c) for c in clauses) else None


def answered(filter_string: Optional[str]) -> bool:
    """Whether the filter holds only answered clauses (then no clause matcher runs per version)."""
    return _all_answered(filter_string, SearchModelVersionUtils) is not None


def filter_versions(entities: list[Any], filter_string: Optional[str]) -> list[Any]:
    """MLflow's model-version filter; a filter of only answered clauses is applied here as
    MLflow applies it (a version is a prompt when its tag says 'true'; none is 'deleted'),
    without running its clause matcher once per version."""
    clauses = _all_answered(filter_string, SearchModelVersionUtils)
    if clauses is None:
        return SearchModelVersionUtils.filter(entities, filter_string)
    if search.PROMPT_CLAUSE not in clauses:
        return list(entities)
    return [e for e in entities if e.tags.get(IS_PROMPT_TAG_KEY) != "true"]


def filter_models(models: list[RegisteredModel], filter_string: Optional[str],
                  tags: dict[str, list[str]]) -> list[RegisteredModel]:
    """MLflow's registered-model filter; a filter of only answered clauses is applied here as
    MLflow applies it (a model is a prompt when its tag says 'true'; the entity's `tags` hide
    that key, so it is read of the model's gitreg `tags`, by name), without its parser."""
    clauses = _all_answered(filter_string, SearchModelUtils)
    if clauses is None:
        return SearchModelUtils.filter(models, filter_string)
    if search.PROMPT_CLAUSE not in clauses:
        return list(models)
    return [m for m in models if tag_dict(tags[m.name]).get(IS_PROMPT_TAG_KEY) != "true"]


def sort_versions(entities: list[Any], order_by: Optional[list[str]]) -> list[Any]:
    """MLflow's order; its default (last updated desc, name, version desc; a missing time
    last) by a plain key, the same order its sort makes (tests compare them)."""
    if order_by:
        return SearchModelVersionUtils.sort(entities, order_by)
    return sorted(entities, key=default_key)


def default_key(e: Any) -> DefaultKey:
    """MLflow's default sort key of a version entity (light or whole)."""
    return _key(e.name, e.version, e.last_updated_timestamp)


def _key(name: str, version: int, updated: Optional[int]) -> DefaultKey:
    """Last updated desc (a missing time last), name, version desc."""
    return (updated is None, -(updated or 0), name, -version)
