"""Every model's versions in a few columns, for clients that sort and page over all of them
(MLflow's search calls): from the registry-wide view index, current with the refs.

A call sorts and pages on the columns (version, times, deployments, status, ...), then
reads whole records only for the page (`records`, from the index's rows). The index is
rebuilt where its refs moved (bulk.current), and a block that fails a check is rebuilt
once; a model still not indexed is listed in `unindexed` for the caller to read directly.
Approvals live in refs the index keys do not cover: `approved` names the models that have
any, so a caller wanting every event reads those (few) itself.

`catalog_at` answers from a registry's path: when its refs are plain files (git's files
backend, read by git/refs/refscan as Store reads them) and the index file is current with
them (its fingerprint, and a block per model), from those files alone, without pygit2 or the
query language (a fresh MLflow process pays neither). The registry is opened only when the
index is stale or missing, a block or row fails a check (it is rebuilt), or a record's card
or curves are asked for; a registry whose refs are not plain files is always opened.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional

from gitreg.core.errors import CorruptRegistryError, InvalidNameError
from gitreg.core.names import check_model_name
from gitreg.core.recordbase import Record
from gitreg.core.records import ModelMetadata, ModelVersion
from gitreg.features.query.columns import RowParts, check_models, column, row_parts
from gitreg.features.query.fields import CHECKS, INDEX_COLUMNS, UPDATED
from gitreg.git.cache import viewindex
from gitreg.git.cache.cache import disabled
from gitreg.git.paths import resolve_path
from gitreg.git.refs import layout, refscan, refstate
from gitreg.model.current import lay_deployment, stored_record

if TYPE_CHECKING:
    from gitreg.git.repository import Store
    from gitreg.model.snapshot import ModelSnapshot

# read for every entry (the model column only when asked: the header names each block, and a
# listing never reads it)
_ALWAYS = ("version", UPDATED)
_METADATA = [f.name for f in fields(ModelMetadata)]
# what making a record of a row's parts raises on a part that does not read (as READ_ERRORS, no git)
_RECORD_ERRORS = (CorruptRegistryError, ValueError, TypeError, AttributeError, LookupError)


class Source:
    """The registry behind a catalog: its Store, opened when first needed (then pygit2 loads)."""

    def __init__(self, gitdir: Path, store: Optional["Store"] = None) -> None:
        self.gitdir = gitdir
        self.key = os.path.realpath(gitdir)  # this registry's memos, however its path was named
        self._store, self._opened = store, store is not None

    @property
    def opened(self) -> bool:
        """Whether the registry was opened (pygit2 loaded for it)."""
        return self._opened

    def store(self) -> Optional["Store"]:
        if not self._opened:
            from gitreg.git.repository import Store

            self._store, self._opened = Store.open(self.gitdir), True
        return self._store

    def snapshot(self, model: str) -> Optional["ModelSnapshot"]:
        """The model read from the registry (None: the registry is gone since its index was read)."""
        from gitreg.model.snapshot import ModelSnapshot

        store = self.store()
        return None if store is None else ModelSnapshot(store, model)

    def ref_names_under(self, prefix: str, packed: Optional[refscan.PackedRefs] = None) -> set[str]:
        """Names below prefix, relative to it (what Store.ref_names_under reads, from the same
        files; `packed`: packed-refs as this call mapped it, bisected as Store's is)."""
        if self._store is not None:
            return self._store.ref_names_under(prefix)
        return {full[len(prefix):] for full in refscan.names_under(self.gitdir, prefix, packed)}


@dataclass(eq=False, repr=False)
class Entry(Record):
    """One indexed model: its metadata, newest event (epoch ms) and the asked columns in row order."""
    metadata: ModelMetadata
    updated: int
    columns: dict[str, list[Any]]  # shared with later calls (a memo): never changed
    key: tuple[str, ...] = ()      # the MACs of the columns' lines: equal keys, equal columns

    @property
    def versions(self) -> list[str]:
        return self.columns["version"]


@dataclass(eq=False, repr=False)
class Catalog(Record):
    """The index's entries of the models asked for, and where to read more of them."""
    source: Optional[Source]  # None: no registry there (nothing listed)
    index: viewindex.ViewIndex
    entries: dict[str, Entry]
    unindexed: list[str] = field(default_factory=list)
    approved: set[str] = field(default_factory=set)
    rebuilt: set[str] = field(default_factory=set)  # models whose block a failed row had rebuilt

    @property
    def store(self) -> Optional["Store"]:
        """The registry, opened (pygit2) if it was not yet."""
        return None if self.source is None else self.source.store()

    def more(self, models: Iterable[str], keys: Iterable[str]) -> dict[str, dict[str, list[Any]]]:
        """More columns of some entries, read when a call finds it needs them (MLflow's default
        order: the tags of a model whose tag line may name a prompt), checked as the entries'
        were: {model: {key: values}} (shared memos: never changed). A model whose lines fail a
        check has its block rebuilt once, and is left out if they fail again, or no longer list
        the entry's versions (the caller reads it from the registry)."""
        wanted = _wanted(keys, always=("version",))
        names = [m for m in dict.fromkeys(models) if m in self.entries and m in self.index.blocks]
        if self.source is None or not names:
            return {}
        memo = _limited(_columns, self.source)
        got, damaged = _columns_of(self.index, names, wanted, memo)
        again = sorted(damaged - self.rebuilt)
        if again:
            from gitreg.features.query import bulk

            self.rebuilt.update(again)
            store = self.source.store()
            if store is not None:
                self.index = bulk.refresh(store, self.index, self.index.fingerprint, set(again))
                fixed, _ = _columns_of(self.index, again, wanted, memo)
                got.update(fixed)
        return {m: columns for m, columns in got.items() if columns["version"] == self.entries[m].versions}

    def may_hold(self, model: str, key: str, text: str) -> bool:
        """Whether a value of this entry's column may hold `text`, told from its line's bytes
        without parsing them: False only when the line passes its MAC and neither holds the
        text's UTF-8 nor a JSON escape (then no string of it holds the text: MLflow's prompt
        tag, asked of every model of a page, is in none of a registry without prompts)."""
        block = self.index.blocks.get(model)
        if model not in self.entries or block is None or not block.key:
            return True
        line = self.index.line(block, _POSITION[key])  # b"null" when it fails its MAC
        return line == b"null" or b"\\" in line or text.encode() in line

    def records(self, model: str, versions: Iterable[str], shared: bool = False) -> Optional[dict[str, ModelVersion]]:
        """{version: whole record (deployments laid on)} of some indexed versions, from the
        index's rows; None when the rows fail a check (the caller reads them directly), after
        the model's block is rebuilt once (so the next call, or process, reads them again).
        `shared`: records this process made before from the same row bytes may be returned
        (a server listing the same versions again); the caller must not change them."""
        wanted = list(dict.fromkeys(versions))
        entry, block = self.entries.get(model), self.index.blocks.get(model)
        if entry is None or block is None or self.source is None:
            return None
        numbers = _rows_of(entry.versions, wanted)
        if numbers is None:
            return None
        memo = _limited(_records, self.source) if shared else None
        pairs = self._records_at(block, numbers, memo) if numbers else []
        if pairs is None and model not in self.rebuilt:  # damaged rows: the block made again from the registry
            from gitreg.features.query import bulk

            self.rebuilt.add(model)
            store = self.source.store()
            if store is not None:
                self.index = bulk.refresh(store, self.index, self.index.fingerprint, {model})
                block = self.index.blocks.get(model)
                if block is not None and block.key:
                    pairs = self._records_at(block, numbers, memo)
        if pairs is None:
            return None
        out = {}
        for number, record in zip(numbers, pairs):
            if record.version != entry.versions[number]:
                return None  # the rows disagree with the columns the page was chosen on
            out[record.version] = record
        return out

    def _records_at(self, block: viewindex.Block, rows: list[int],
                    memo: Optional[dict[Any, ModelVersion]]) -> Optional[list[ModelVersion]]:
        """The records of these rows as bulk.records_at makes them (ModelSnapshot.record_of's
        parts, deployments laid on), their card and curves read from the registry when asked;
        None if any row fails a check. `memo` as there: by (model, MAC of the rows, row)."""
        if memo is not None:
            made = [memo.get((block.model, block.macs[-1], n)) for n in rows]
            if None not in made:
                return made
        parts = row_parts(self.index, block, rows)
        if parts is None:
            return None
        out = []
        for part in parts:
            try:
                record = _record(self.source, block.model, part)
            except _RECORD_ERRORS:
                return None
            if memo is not None:
                memo[(block.model, block.macs[-1], part.number)] = record
            out.append(record)
        return out


def _rows_of(versions: list[str], wanted: list[str]) -> Optional[list[int]]:
    """The sorted row numbers of these versions (None if one is not listed): a few found by a
    scan at C speed (a page of 100 over 100 models asks one of each), many through a dict."""
    try:
        if len(wanted) <= 8:
            return sorted(versions.index(v) for v in wanted)
        row = {v: i for i, v in enumerate(versions)}
        return sorted(row[v] for v in wanted)
    except (ValueError, KeyError):
        return None


def _record(source: Source, model: str, part: RowParts) -> ModelVersion:
    record = stored_record(model, part.version, part.commit, part.manifest, part.note, part.tagger)
    version = part.version

    def card() -> Any:  # as record_of's: read only when asked
        snap = source.snapshot(model)
        return None if snap is None else snap.card(version)

    def curves() -> Any:
        snap = source.snapshot(model)
        return None if snap is None else snap.curves(version)

    record._card, record._curves = card, curves
    if part.environments:
        lay_deployment(record, part.environments, part.deployed_at)
    return record


MEMO_LIMIT = 20_000  # records (~2 KB each), or blocks' columns, kept per registry; past it a memo starts again
_records: dict[str, dict[Any, Any]] = {}
_columns: dict[str, dict[Any, Any]] = {}


def forget() -> None:
    """Drop what this process remembers (parsed headers, columns, records): benchmarks measure
    a call that checks and parses everything again."""
    _records.clear()
    _columns.clear()
    viewindex.forget()


def _limited(memos: dict[str, dict[Any, Any]], source: Source) -> dict[Any, Any]:
    """This process's memo for this registry (shared by threads: entries are only added)."""
    memo = memos.setdefault(source.key, {})
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    return memo


def open_catalog(store: Optional["Store"], models: Optional[set[str]] = None, keys: Iterable[str] = ()) -> Catalog:
    """The current index's entries of `models` (None: every model; names no model has are
    left out), each with the columns `keys` (INDEX_COLUMNS) plus version and updated."""
    from gitreg.features.query import bulk

    wanted = _wanted(keys)
    if store is None:
        return Catalog(None, viewindex.ViewIndex(b"", "", list(INDEX_COLUMNS), {}), {})
    found, fingerprint = bulk.current(store)
    return _catalog(Source(Path(store.repo.path), store), found, fingerprint, models, wanted)


def catalog_at(path: str | os.PathLike[str] | None, models: Optional[set[str]] = None,
               keys: Iterable[str] = ()) -> Catalog:
    """open_catalog of the registry at `path` (None: the default one), from its ref files and
    the index file alone when those can tell it (see the module's docstring), else through
    the registry opened as a read opens it."""
    wanted = _wanted(keys)
    gitdir = resolve_path(path)
    current = _current_from_files(gitdir)
    if current is None:
        from gitreg.git.repository import Store

        return open_catalog(Store.open(gitdir), models, wanted)
    found, fingerprint, packed = current
    return _catalog(Source(gitdir), found, fingerprint, models, wanted, packed)


def _wanted(keys: Iterable[str], always: Iterable[str] = _ALWAYS) -> list[str]:
    wanted = list(dict.fromkeys([*always, *keys]))
    unknown = [k for k in wanted if k not in INDEX_COLUMNS]
    if unknown:
        raise ValueError(f"not columns of the view index: {unknown}")
    return wanted


def plain_refs(gitdir: Path) -> bool:
    """Whether the registry's refs are what refscan reads: git's files backend (loose files
    below refs/, packed-refs) in this directory. Not when refs are in a reftable, or shared
    with another directory (a worktree's commondir): then only the opened registry reads them."""
    return (gitdir / "HEAD").is_file() and (gitdir / "objects").is_dir() and (gitdir / "refs" / "heads").is_dir() \
        and not os.path.lexists(gitdir / "reftable") and not os.path.lexists(gitdir / "commondir")


def _current_from_files(gitdir: Path) -> Optional[tuple[viewindex.ViewIndex, str, refscan.PackedRefs]]:
    """(the index, the refs' fingerprint, packed-refs as read) when the index file is current
    with the ref files, as bulk.current finds it (same fingerprint, a block for each model's
    branch); None when that cannot be told from the files (then the registry is opened)."""
    if disabled():
        return None  # GITREG_NO_CACHE: no index is read
    try:
        if not plain_refs(gitdir):
            return None
        fingerprint = refstate.fingerprint(gitdir)
        found = viewindex.read(viewindex.path_of(gitdir), INDEX_COLUMNS)
        if found is None or found.fingerprint != fingerprint:
            return None
        packed = refscan.PackedRefs(gitdir)
        heads = refscan.names_under(gitdir, layout.HEADS, packed)
    except OSError:  # unreadable: the registry opened says why, as a read always has
        return None
    if set(found.blocks) != set(_model_names(heads)):
        return None
    return found, fingerprint, packed


def _model_names(heads: Iterable[str]) -> list[str]:
    """snapshot.model_names from the full names of the branches."""
    names = []
    for full in heads:
        try:
            names.append(check_model_name(full[len(layout.HEADS):]))
        except InvalidNameError:
            continue
    return names


def _catalog(source: Source, found: viewindex.ViewIndex, fingerprint: str, models: Optional[set[str]],
             wanted: list[str], packed: Optional[refscan.PackedRefs] = None) -> Catalog:
    names = sorted(found.blocks if models is None else set(models) & set(found.blocks))
    memo = _limited(_columns, source)
    entries, damaged = _entries(found, names, wanted, memo)
    if damaged:  # rebuilt from the registry, then read once more
        from gitreg.features.query import bulk

        store = source.store()
        if store is not None:
            found = bulk.refresh(store, found, fingerprint, damaged)
            again, damaged = _entries(found, sorted(damaged), wanted, memo)
            entries.update(again)
    unindexed = sorted(n for n in names if n not in entries)
    approved = {n for n in source.ref_names_under(layout.APPROVALS, packed) if n in entries}
    return Catalog(source, found, entries, unindexed, approved)


def _entries(found: viewindex.ViewIndex, names: list[str], keys: list[str], memo: dict[Any, list[Any]]
             ) -> tuple[dict[str, Entry], set[str]]:
    """The entries of the indexed models among names, and the models whose block failed a check."""
    got, damaged = _columns_of(found, names, keys, memo)
    entries = {}
    for name, columns in got.items():
        block = found.blocks[name]
        metadata, updated = _facts(block)
        if metadata is None:
            damaged.add(name)
        else:
            entries[name] = Entry(metadata, updated, columns, _key(block, keys))
    return entries, damaged


_POSITION = {k: i for i, k in enumerate(INDEX_COLUMNS)}


def _key(block: viewindex.Block, keys: Iterable[str]) -> tuple[str, ...]:
    """The MACs (in the sealed header) of these column lines of a block: they name the lines' bytes."""
    return tuple(block.macs[_POSITION[k]] for k in keys)


def _columns_of(found: viewindex.ViewIndex, names: list[str], keys: list[str],
                memo: dict[Any, list[Any]]) -> tuple[dict[str, dict[str, list[Any]]], set[str]]:
    """{model: {key: values}} of the indexed models among names, and the models whose lines
    failed a check. `memo`: column lines parsed and checked before, by (model, column, MAC of
    the line): the MAC (in the sealed header) names the line's bytes, so a hit needs neither."""
    blocks = [found.blocks[n] for n in names if found.blocks[n].key]
    damaged: set[str] = set()
    for k in keys:
        at, i = 0, _POSITION[k]
        todo = [b for b in blocks if (b.model, k, b.macs[i]) not in memo]
        values = column(found, todo, lambda b, i=i: i, CHECKS[k], damaged)
        if k == "model":  # a block's model column names its own model
            check_models(todo, values, damaged)
        for block in todo:
            if block.model not in damaged:
                memo[(block.model, k, block.macs[i])] = values[at:at + block.count]
            at += block.count
    return {b.model: {k: memo[(b.model, k, b.macs[_POSITION[k]])] for k in keys}
            for b in blocks if b.model not in damaged}, damaged


def _facts(block: viewindex.Block) -> tuple[Optional[ModelMetadata], int]:
    """A block's facts checked (untrusted, like every value of the index)."""
    facts = block.facts
    updated = facts.get(UPDATED)
    if set(facts) != {*_METADATA, UPDATED} or type(updated) is not int or facts.get("model_name") != block.model \
            or not all(type(facts[k]) is str for k in _METADATA if k != "tags") \
            or type(facts["tags"]) is not list or not all(type(t) is str for t in facts["tags"]):
        return None, 0
    return ModelMetadata(**{k: facts[k] for k in _METADATA}), updated
