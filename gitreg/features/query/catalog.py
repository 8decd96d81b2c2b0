"""Every model's versions in a few columns, for clients that sort and page over all of them
(MLflow's search calls): from the registry-wide view index, current with the refs.

A call sorts and pages on the columns (version, times, deployments, status, ...), then
reads whole records only for the page (`records`, from the index's rows). The index is
rebuilt where its refs moved (bulk.current), and a block that fails a check is rebuilt
once; a model still not indexed is listed in `unindexed` for the caller to read directly.
Approvals live in refs the index keys do not cover: `approved` names the models that have
any, so a caller wanting every event reads those (few) itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Optional

from gitreg.core.records import ModelMetadata, ModelVersion
from gitreg.features.query import bulk
from gitreg.features.query.fields import CHECKS, INDEX_COLUMNS, UPDATED
from gitreg.git.cache import viewindex
from gitreg.git.refs import layout
from gitreg.git.repository import Store

_ALWAYS = ("model", "version", UPDATED)
_METADATA = [f.name for f in fields(ModelMetadata)]


@dataclass
class Entry:
    """One indexed model: its metadata, newest event (epoch ms) and the asked columns in row order."""
    metadata: ModelMetadata
    updated: int
    columns: dict[str, list[Any]]  # shared with later calls (a memo): never changed
    key: tuple[str, ...] = ()      # the MACs of the columns' lines: equal keys, equal columns

    @property
    def versions(self) -> list[str]:
        return self.columns["version"]


@dataclass
class Catalog:
    store: Store
    index: viewindex.ViewIndex
    entries: dict[str, Entry]
    unindexed: list[str] = field(default_factory=list)
    approved: set[str] = field(default_factory=set)
    rebuilt: set[str] = field(default_factory=set)  # models whose block a failed row had rebuilt

    def records(self, model: str, versions: Iterable[str], shared: bool = False) -> Optional[dict[str, ModelVersion]]:
        """{version: whole record (deployments laid on)} of some indexed versions, from the
        index's rows; None when the rows fail a check (the caller reads them directly), after
        the model's block is rebuilt once (so the next call, or process, reads them again).
        `shared`: records this process made before from the same row bytes may be returned
        (a server listing the same versions again); the caller must not change them."""
        wanted = list(dict.fromkeys(versions))
        entry, block = self.entries.get(model), self.index.blocks.get(model)
        if entry is None or block is None:
            return None
        row = {v: i for i, v in enumerate(entry.versions)}
        if any(v not in row for v in wanted):
            return None
        numbers = sorted(row[v] for v in wanted)
        memo = _limited(_records, self.store) if shared else None
        pairs = bulk.records_at(self.store, self.index, block, numbers, views=False, memo=memo) if numbers else []
        if pairs is None and model not in self.rebuilt:  # damaged rows: the block made again from the registry
            self.rebuilt.add(model)
            self.index = bulk.refresh(self.store, self.index, self.index.fingerprint, {model})
            block = self.index.blocks.get(model)
            if block is not None and block.key:
                pairs = bulk.records_at(self.store, self.index, block, numbers, views=False, memo=memo)
        if pairs is None:
            return None
        out = {}
        for number, (_, record) in zip(numbers, pairs):
            if record.version != entry.versions[number]:
                return None  # the rows disagree with the columns the page was chosen on
            out[record.version] = record
        return out


MEMO_LIMIT = 20_000  # records (~2 KB each), or blocks' columns, kept per registry; past it a memo starts again
_records: dict[str, dict[Any, Any]] = {}
_columns: dict[str, dict[Any, Any]] = {}


def forget() -> None:
    """Drop what this process remembers (parsed headers, columns, records): benchmarks measure
    a call that checks and parses everything again."""
    _records.clear()
    _columns.clear()
    viewindex.forget()


def _limited(memos: dict[str, dict[Any, Any]], store: Store) -> dict[Any, Any]:
    """This process's memo for this registry (shared by threads: entries are only added)."""
    memo = memos.setdefault(store.repo.path, {})
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    return memo


def open_catalog(store: Optional[Store], models: Optional[set[str]] = None, keys: Iterable[str] = ()) -> Catalog:
    """The current index's entries of `models` (None: every model; names no model has are
    left out), each with the columns `keys` (INDEX_COLUMNS) plus model, version, updated."""
    wanted = list(dict.fromkeys([*_ALWAYS, *keys]))
    unknown = [k for k in wanted if k not in INDEX_COLUMNS]
    if unknown:
        raise ValueError(f"not columns of the view index: {unknown}")
    if store is None:
        return Catalog(store, viewindex.ViewIndex(b"", "", list(INDEX_COLUMNS), {}), {})
    found, fingerprint = bulk.current(store)
    names = sorted(found.blocks if models is None else set(models) & set(found.blocks))
    memo = _limited(_columns, store)
    entries, damaged = _entries(found, names, wanted, memo)
    if damaged:  # rebuilt from the registry, then read once more
        found = bulk.refresh(store, found, fingerprint, damaged)
        again, damaged = _entries(found, sorted(damaged), wanted, memo)
        entries.update(again)
    unindexed = sorted(n for n in names if n not in entries)
    approved = {n for n in store.ref_names_under(layout.APPROVALS) if n in entries}
    return Catalog(store, found, entries, unindexed, approved)


def _entries(found: viewindex.ViewIndex, names: list[str], keys: list[str],
             memo: dict[tuple[str, tuple[str, ...], tuple[str, ...]], dict[str, list[Any]]]
             ) -> tuple[dict[str, Entry], set[str]]:
    """The entries of the indexed models among names, and the models whose block failed a
    check. `memo`: columns parsed and checked before, by (model, their names, MACs of their
    lines): the MACs (in the sealed header) name the lines' bytes, so a hit needs neither."""
    blocks = [found.blocks[n] for n in names if found.blocks[n].key]
    position = {k: i for i, k in enumerate(INDEX_COLUMNS)}
    named = tuple(keys)
    keyed = {b.model: (b.model, named, tuple(b.macs[position[k]] for k in keys)) for b in blocks}
    todo = [b for b in blocks if keyed[b.model] not in memo]
    damaged: set[str] = set()
    columns = {k: bulk.column(found, todo, lambda b, i=position[k]: i, CHECKS[k], damaged) for k in keys}
    bulk.check_models(todo, columns["model"], damaged)
    at = 0
    for block in todo:
        if block.model not in damaged:
            memo[keyed[block.model]] = {k: col[at:at + block.count] for k, col in columns.items()}
        at += block.count
    entries = {}
    for block in blocks:
        metadata, updated = _facts(block)
        if metadata is None:
            damaged.add(block.model)
        if block.model not in damaged:
            entries[block.model] = Entry(metadata, updated, memo[keyed[block.model]], keyed[block.model][2])
    return entries, damaged


def _facts(block: viewindex.Block) -> tuple[Optional[ModelMetadata], int]:
    """A block's facts checked (untrusted, like every value of the index)."""
    facts = block.facts
    updated = facts.get(UPDATED)
    if set(facts) != {*_METADATA, UPDATED} or type(updated) is not int or facts.get("model_name") != block.model \
            or not all(type(facts[k]) is str for k in _METADATA if k != "tags") \
            or type(facts["tags"]) is not list or not all(type(t) is str for t in facts["tags"]):
        return None, 0
    return ModelMetadata(**{k: facts[k] for k in _METADATA}), updated
