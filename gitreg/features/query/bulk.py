"""A search of every model from the registry-wide view index (git/cache/viewindex.py).

Warm, a query costs: one hash of the refs (git/refs/refstate.py), the columns the query
names parsed from one file, the compiled predicate run over small rows of just those
columns, and full views built only for the matches. When the refs moved, the models
whose refs moved are read again (index.load, which has its own per-model cache) and
the file is rewritten; the other models' blocks are copied as bytes.

The index is untrusted like every cache (DESIGN.md 'Caches'): every value is checked
for the type its field has before a predicate sees it, and a block that fails any
check is read from the registry instead (and rebuilt), so a damaged, stale or hostile
index costs time, never a wrong answer or an exception.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from gitreg.core.names import is_version_name, version_key
from gitreg.core.recordbase import Record
from gitreg.core.records import ModelVersion
from gitreg.features.query import index
from gitreg.features.query.ast import And, Node, names_in
from gitreg.features.query.columns import check_models, column, row_parts
from gitreg.features.query.evaluate import compile_query
from gitreg.features.query.fields import (
    CHECKS,
    DATE,
    FIELDS,
    INDEX_COLUMNS,
    PARENT,
    UPDATED,
    field_name,
    metric_check,
    millis,
)
from gitreg.features.query.found import Found
from gitreg.git.cache import viewindex
from gitreg.git.cache.cache import plain
from gitreg.git.refs import layout, refstate
from gitreg.git.repository import Store
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot, lay_deployment, model_names

Predicate = Callable[[dict[str, Any]], bool]


@dataclass(eq=False, repr=False)
class Needs(Record):
    """The view keys and metrics a predicate reads (a docstring: else dataclass computes one
    from the signature at every start-up)."""
    keys: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)


def needs(node: Node) -> Needs:
    """The view keys and metrics a predicate over this tree reads."""
    out = Needs()
    for name in names_in(node):
        canonical = field_name(name)
        if canonical is None:
            wanted, into = [name], out.metrics
        elif FIELDS[canonical] == DATE:
            wanted, into = [canonical, f"{canonical}_ts"], out.keys
        elif FIELDS[canonical] == PARENT:
            wanted, into = ["parent", "model"], out.keys
        else:
            wanted, into = [canonical], out.keys
        into.extend(n for n in wanted if n not in into)
    return out


def current(store: Store) -> tuple[viewindex.ViewIndex, str]:
    """(the index as the refs are now, their fingerprint): read, or rebuilt where stale."""
    gitdir = Path(store.repo.path)
    fingerprint = refstate.fingerprint(gitdir)
    found = viewindex.read(viewindex.path_of(gitdir), INDEX_COLUMNS)
    # the models are listed from the refs too (one short scan): a file that leaves one out
    # is never current, whatever fingerprint it claims
    if found is None or found.fingerprint != fingerprint or set(found.blocks) != set(model_names(store)):
        found = refresh(store, found, fingerprint, set())
    return found, fingerprint


def search_all(store: Store, tree: Node, keep: Predicate, first: Optional[int] = None) -> Found:
    """The full views of every model's versions that `keep` accepts, in no order. With `first`,
    of the indexed models' matches only the first that many in the default result order (model,
    then version) are read in full: a search with a limit and no sort builds `first` records,
    not one per match (the other matches could never be in its result)."""
    found, fingerprint = current(store)
    result = Found([], {}, [])
    damaged = _match(store, found, tree, keep, result, first)
    if damaged:  # a block failed its checks: rebuilt from the registry, then asked once more
        found = refresh(store, found, fingerprint, damaged)
        result = Found([], {}, [])
        still = _match(store, found, tree, keep, result, first)
        for model in still:  # even our own bytes failed: read this model directly
            _slow(store, model, keep, result)
    for model, block in found.blocks.items():
        if not block.key:
            _slow(store, model, keep, result)
    for model in {v["model"] for v in result.views} - set(result.snapshots):
        result.snapshots[model] = ModelSnapshot(store, model)
    return result


def _slow(store: Store, model: str, keep: Predicate, result: Found) -> None:
    snap = ModelSnapshot(store, model)
    if snap.tip is None:
        return
    loaded = index.load(snap, keep)
    result.problems += loaded.problems
    if loaded.views:
        result.snapshots[model] = snap
        result.views += loaded.views


def refresh(store: Store, old: Optional[viewindex.ViewIndex], fingerprint: str,
            damaged: set[str]) -> viewindex.ViewIndex:
    """An index for the refs as they are now: blocks whose model key holds are kept, those of
    `damaged` rebuilt from the registry."""
    models = model_names(store)
    live, tags = index.deployed_models(store), index.tags_by_model(store)
    keys = refstate.model_keys(store, models, tags)
    blocks = []
    for model in models:
        key = keys[model]
        kept = old.blocks.get(model) if old is not None and model not in damaged else None
        if key is not None and kept is not None and kept.key == key:
            blocks.append(viewindex.reuse(old, kept))
            continue
        blocks.append(_build(store, model, key, tags.get(model, {}), model in live))
    chunks = viewindex.encode(fingerprint, INDEX_COLUMNS, blocks)
    path = viewindex.path_of(Path(store.repo.path))
    # written only when no write raced the rebuild; then read back mapped, else kept in memory
    written = refstate.fingerprint(Path(store.repo.path)) == fingerprint and viewindex.write(path, chunks)
    parsed = viewindex.read(path, INDEX_COLUMNS) if written else None
    if parsed is None or parsed.fingerprint != fingerprint:
        parsed = viewindex.parse(b"".join(chunks), INDEX_COLUMNS)
    assert parsed is not None, "an index just encoded parses"
    return parsed


def _build(store: Store, model: str, key: Optional[str], tags: dict[str, bytes], live: bool) -> viewindex.NewBlock:
    """A model's block, or an unindexed entry when reading it reported any problem (then
    it is read directly on every query, so its problems are told every time)."""
    snap = ModelSnapshot(store, model)
    if key is None or snap.tip is None:
        return viewindex.unindexed(model)
    snap.adopt_tags(tags)
    before = len(store.problems.items())
    loaded = index.load(snap, None, deployed_somewhere=live)
    try:
        rows = []
        for view in loaded.views:  # what a record is made of (see records_at)
            commit, manifest, note, tagger = snap.stored_parts(view["version"])
            if not (plain(manifest) and plain(note)):
                return viewindex.unindexed(model)
            rows.append([view["version"], commit, manifest, note, tagger, view["environment"], view["deployed_at"]])
        facts = _facts(snap, loaded.views, rows)
        snap.store.cache(model).flush()
        if loaded.problems or len(store.problems.items()) != before:
            return viewindex.unindexed(model)
        return viewindex.encode_block(model, key, INDEX_COLUMNS, loaded.views, rows, facts)
    except (*READ_ERRORS, ValueError, TypeError):
        return viewindex.unindexed(model)


def _facts(snap: ModelSnapshot, views: list[dict[str, Any]], rows: list[list[Any]]) -> dict[str, Any]:
    """The model's metadata and the newest event of the model (`updated`), and of each
    version (each view's `updated`), in epoch ms, as its history (`gitreg history`,
    features/deploy/history.py) has them, approvals apart (they have their own refs, which
    the keys do not cover).

    Read from what the block build already holds (the metadata; each row's manifest: a
    version's registration time), plus the times of each deployment ref's and of the notes
    ref's events, which depend only on the ref's tip commit: kept in the model's derived
    cache under that tip (_chain_times), so a block rebuilt after a registration reads no
    deployment or notes history again (nor imports the modules that read it)."""
    newest: dict[Optional[str], int] = {}

    def add(version: Optional[str], when: int) -> None:
        for key in {None, version}:
            newest[key] = max(newest.get(key, 0), when)

    metadata = snap.metadata()
    add(None, millis(metadata.created_at or _history().commit_time(snap.root_commit())) or 0)
    for version, commit, manifest, *_ in rows:
        created = manifest.get("created_at") or _history().registered_time(manifest, snap.store.commit(commit))
        add(version, millis(str(created)) or 0)
    chains = [(_DEPLOY_TIMES, state.tip, layout.deploy_ref(env, snap.model),
               lambda env=env, tip=state.tip: _history().deployment_events(snap, env, tip))
              for env, state in snap.deployments.items()]
    if snap.notes_tip is not None:
        chains.append((_NOTE_TIMES, snap.notes_tip, layout.notes_ref(snap.model), lambda: _history().note_events(snap)))
    for kind, tip, ref, events in chains:
        model_time, version_times = _chain_times(snap, kind, str(tip), ref, events)
        add(None, model_time)
        for version, when in version_times.items():
            add(version, when)
    for view in views:
        view[UPDATED] = newest.get(view["version"])
    return {**metadata.to_dict(), UPDATED: newest.get(None, 0)}


# Kinds of the derived-cache entries (ModelCache.parsed) holding the event times of one
# deployment ref's or notes ref's history, keyed by its tip commit id: a commit names its
# whole history, so the entry is never stale. {"model": ms, "versions": {version: ms}}.
_DEPLOY_TIMES, _NOTE_TIMES = "deploy-times", "note-times"


def _history() -> Any:
    from gitreg.features.deploy import history  # only when an entry is missing: a rebuild after a
    return history                              # registration loads no deploy or notes feature


def _chain_times(snap: ModelSnapshot, kind: str, tip: str, ref: str,
                 events: Callable[[], list[Any]]) -> tuple[int, dict[str, int]]:
    """(newest event of a ref's history, newest per version named), from the derived cache
    when it holds a sound entry for `tip`, else from `events` (then kept, unless the store
    holds a problem of `ref`: a block of a model with problems is not indexed, and the next
    rebuild must find them again; the store notes each problem once, so one found earlier
    in this process would not show as a new one)."""
    cache = snap.store.cache(snap.model) if snap.use_cache else None
    kept = cache.parsed(kind, tip) if cache is not None else None
    if kept is not None:
        model_time, versions = kept.get("model"), kept.get("versions")
        if set(kept) == {"model", "versions"} and type(model_time) is int and type(versions) is dict \
                and all(type(v) is int for v in versions.values()):
            return model_time, versions
    before = len(snap.store.problems.items())
    model_time, versions = 0, {}
    for event in events():
        when = millis(event.timestamp) or 0
        model_time = max(model_time, when)
        if event.version is not None:
            versions[event.version] = max(versions.get(event.version, 0), when)
    clean = len(snap.store.problems.items()) == before and all(p.ref != ref for p in snap.store.problems.items())
    if cache is not None and clean:
        cache.put_parsed(kind, tip, {"model": model_time, "versions": versions})
    return model_time, versions


def _match(store: Store, found: viewindex.ViewIndex, tree: Node, keep: Predicate, result: Found,
           first: Optional[int] = None) -> set[str]:
    """Add the matches of the indexed blocks to result; return the models whose block failed a check.

    With `first`, blocks are matched in model order, 1, 2, 4, ... at a time, until `first`
    sound matches are in: models come first in the result order, so no later block's match
    can be among the first (a later block is not even parsed; one found damaged on the way
    is rebuilt as always)."""
    blocks = [b for b in found.blocks.values() if b.key]
    if first is None:
        return _match_blocks(store, found, blocks, tree, keep, result, None)
    damaged: set[str] = set()
    blocks.sort(key=lambda b: b.model)
    at, size = 0, 1
    while at < len(blocks) and len(result.views) < first:
        damaged |= _match_blocks(store, found, blocks[at:at + size], tree, keep, result, first - len(result.views))
        at, size = at + size, size * 2
    return damaged


def _match_blocks(store: Store, found: viewindex.ViewIndex, blocks: list[viewindex.Block], tree: Node,
                  keep: Predicate, result: Found, first: Optional[int]) -> set[str]:
    damaged: set[str] = set()
    want = needs(tree)
    position = {key: i for i, key in enumerate(INDEX_COLUMNS)}
    width = len(INDEX_COLUMNS)
    columns: dict[str, list[Any]] = {}
    for k in want.keys:
        columns[k] = column(found, blocks, lambda b, i=position[k]: i, CHECKS[k], damaged)
    metrics: dict[str, list[Any]] = {}
    for name in want.metrics:
        def line(b: viewindex.Block, name: str = name) -> Optional[int]:
            return width + b.metrics.index(name) if name in b.metrics else None
        metrics[name] = column(found, blocks, line, metric_check(name), damaged)
    if "model" in columns:  # a block's model column names its own model
        check_models(blocks, columns["model"], damaged)
    # the conditions of a top-level `and` one after another, each over the rows still in
    hits: Optional[list[int]] = None
    total = sum(b.count for b in blocks)
    for part in (tree.items if isinstance(tree, And) else [tree]):
        part_needs = needs(part)
        hits = _filter(compile_query(part), [(k, columns[k]) for k in part_needs.keys],
                       [(n, metrics[n]) for n in part_needs.metrics], range(total) if hits is None else hits)
    # hits are positions in the concatenated columns: map them back to (block, row)
    starts, at = [], 0
    for block in blocks:
        starts.append(at)
        at += block.count
    rows_of: dict[int, list[int]] = {}
    b = 0
    for hit in hits or ():
        while b + 1 < len(blocks) and starts[b + 1] <= hit:
            b += 1
        rows_of.setdefault(b, []).append(hit - starts[b])
    if first is not None and sum(map(len, rows_of.values())) > first:
        rows_of = _first_rows(found, blocks, rows_of, first, damaged)
    for b, rows in rows_of.items():
        block = blocks[b]
        if block.model in damaged:
            continue
        pairs = records_at(store, found, block, rows)
        # the row lines must agree with the columns the predicate saw
        if pairs is None or not all(keep(view) for view, _ in pairs):
            damaged.add(block.model)
            continue
        for view, record in pairs:
            result.views.append(view)
            result.records[(block.model, view["version"])] = record
    return damaged


def _first_rows(found: viewindex.ViewIndex, blocks: list[viewindex.Block], rows_of: dict[int, list[int]],
                first: int, damaged: set[str]) -> dict[int, list[int]]:
    """Of the hit rows, the `first` in the default result order (sorting.default_order: model,
    then version_key), by the blocks' checked version columns; a block whose column fails a
    check keeps its rows (and is damaged: the caller skips it and the index is rebuilt).

    Models come first in that order, so the blocks are taken by model name until their sound
    hits number `first`: the version columns of later blocks are not parsed, nor their names
    keyed (a limit of 10 over 1,000 hits keys ~the first model's, not all 1,000)."""
    at = INDEX_COLUMNS.index("version")
    ranked, kept, taken = [], {}, 0
    for b in sorted(rows_of, key=lambda b: blocks[b].model):
        if taken >= first:
            break
        block, rows = blocks[b], rows_of[b]
        names = column(found, [block], lambda _: at, CHECKS["version"], damaged)
        if block.model in damaged or not all(type(names[r]) is str and is_version_name(names[r]) for r in rows):
            damaged.add(block.model)
            kept[b] = rows
            continue
        ranked.extend(((block.model, version_key(names[r])), b, r) for r in rows)
        taken += len(rows)
    for _, b, r in heapq.nsmallest(first, ranked):
        kept.setdefault(b, []).append(r)
    return {b: sorted(rows) for b, rows in sorted(kept.items())}


def _filter(keep: Predicate, fields: list[tuple[str, list[Any]]], metrics: list[tuple[str, list[Any]]],
            positions: Iterable[int]) -> list[int]:
    """The positions whose row `keep` accepts. One row dict holds just the columns this
    condition reads and is refilled for each position (a predicate keeps no view)."""
    row: dict[str, Any] = {}
    row["m"] = m = {}
    slots = [(row, k, col) for k, col in fields] + [(m, n, col) for n, col in metrics]
    out = []
    if len(slots) == 1:  # the common case, and the hot loop of a query over many versions
        ((target, name, col),) = slots
        for i in positions:
            target[name] = col[i]
            if keep(row):
                out.append(i)
        return out
    for i in positions:
        for target, name, col in slots:
            target[name] = col[i]
        if keep(row):
            out.append(i)
    return out


def records_at(store: Store, found: viewindex.ViewIndex, block: viewindex.Block, rows: list[int]
               ) -> Optional[list[tuple[dict[str, Any], ModelVersion]]]:
    """(view, record) of these rows of a block, each record made from the parts the row
    keeps as a fresh read makes it (ModelSnapshot.record_of, which checks the manifest
    names this model and version); None if any part fails a check. (catalog.py makes the
    records of a page the same way, without a Store while the registry is not opened.)"""
    parts = row_parts(found, block, rows)
    if parts is None:
        return None
    snap = ModelSnapshot(store, block.model)
    out = []
    for part in parts:
        try:
            record = snap.record_of(part.version, part.commit, part.manifest, part.note, part.tagger)
        except READ_ERRORS:
            return None
        if part.environments:
            lay_deployment(record, part.environments, part.deployed_at)
        out.append((index.view_of(record), record))
    return out
