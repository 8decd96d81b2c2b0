"""The current views of a model's versions, read fast: O(versions of that model).

Per version: its tag id (from the ref listing, no object read) finds a cached view,
valid while the version's note blob is the one it was made with; a miss reads the
version as every other reader does (ModelSnapshot.stored) and caches the view. The
deployment refs are then laid on (DESIGN.md: current view = manifest + notes +
deployments). A version that cannot be read is reported and skipped; the rest are
still returned. Views come in no particular order: callers sort what they keep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from gitreg.core.errors import GitregError
from gitreg.core.recordbase import Record
from gitreg.core.records import ModelVersion
from gitreg.features.query.fields import STORED_COLUMNS, deploy, pack, stored_view, unpack, valid_rows
from gitreg.git.cache.viewcache import ViewCache
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot


@dataclass(eq=False, repr=False)
class ModelViews(Record):
    """One model's views as load() read them, and what it could not read (a docstring: else
    dataclass computes one from the signature at every start-up)."""
    snapshot: ModelSnapshot
    views: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)


def view_of(record: ModelVersion) -> dict[str, Any]:
    """The view of a record already read (for rendering what the API returned)."""
    return deploy(stored_view(record), list(record.environments), record.deployed_at)


def _deployed(snap: ModelSnapshot, problems: list[str], maybe: bool) -> dict[str, tuple[list[str], str]]:
    """{version: (environments, newest deployed_at)} from the deployment refs (none read
    when `maybe` is False: the caller knows the model has no deployment ref)."""
    if not maybe:
        return {}
    try:
        states = snap.deployments
    except GitregError as exc:
        problems.append(f"{snap.model}: deployments not read: {exc}")
        return {}
    out: dict[str, tuple[list[str], str]] = {}
    for env, state in states.items():
        if state.version is None:
            continue
        envs, when = out.get(state.version, ([], ""))
        out[state.version] = (envs + [env], max(when, str(state.record.get("deployed_at") or "")))
    return out


def deployed_models(store: Store) -> set[str]:
    """Models with a deployment ref, from one scan (a search of every model would
    otherwise scan refs/deployed/ once per model)."""
    return {rest.partition("/")[2] for rest in store.ref_names_under(layout.DEPLOYED)}


def tags_by_model(store: Store) -> dict[str, dict[str, bytes]]:
    """{model: {version: raw tag target}} from one scan of refs/tags/."""
    out: dict[str, dict[str, bytes]] = {}
    for name, raw in store.targets_under(layout.TAGS).items():
        model, _, version = name.partition("/")
        if version:
            out.setdefault(model, {})[version] = raw
    return out


def load(snap: ModelSnapshot, keep: Optional[Callable[[dict[str, Any]], bool]] = None,
         deployed_somewhere: bool = True) -> ModelViews:
    """The views of every readable version (with `keep`, only those it accepts)."""
    problems: list[str] = []
    try:
        notes = snap.notes
        tags = snap.tag_ids()
    except GitregError as exc:
        return ModelViews(snap, [], [f"{snap.model}: not read, model skipped: {exc}"])
    cache = ViewCache(Path(snap.store.repo.path), snap.model, STORED_COLUMNS) if snap.use_cache else None
    entries = cache.entries if cache is not None else {}
    note_ids = {commit: str(blob) for commit, blob in notes.items()}
    deployed = _deployed(snap, problems, deployed_somewhere)
    width = len(STORED_COLUMNS)
    cached: dict[str, tuple[str, list[Any], dict[str, Any]]] = {}
    for version, tag in tags.items():
        # the cache check inline: this loop runs once per version of every model searched.
        # An entry is [commit, note blob or "", values, metrics] (git/cache/viewcache.py); a
        # damaged entry of any shape is a miss, and no exception escapes this block.
        try:
            commit, note, values, metrics = entries.get(tag)
            if (type(values) is list and len(values) == width and values[1] == version
                    and type(metrics) is dict and type(commit) is str and note == note_ids.get(commit, "")):
                cached[version] = (commit, values, metrics)
        except (TypeError, ValueError):
            pass
    if not valid_rows([(values, metrics) for _, values, metrics in cached.values()]):
        cached = {v: row for v, row in cached.items() if valid_rows([row[1:]])}  # the bad ones are read again
    views = []
    for version, tag in tags.items():
        if version in cached:
            commit, values, metrics = cached[version]
            view = unpack(values, metrics, commit)
        else:
            try:
                view = _read(snap, version, tag, note_ids, cache)
            except GitregError as exc:
                problems.append(f"{snap.model} {version}: skipped: {exc}")
                continue
            view = deploy(view, [], None)
        if version in deployed:
            envs, when = deployed[version]
            view = deploy(view, envs, when or None)
        if keep is None or keep(view):
            views.append(view)
    if cache is not None:
        cache.flush()
    snap.store.cache(snap.model).flush()
    return ModelViews(snap, views, problems)


def _read(snap: ModelSnapshot, version: str, tag: str, note_ids: dict[str, str],
          cache: Optional[ViewCache]) -> dict[str, Any]:
    record = snap.stored(version)
    view = stored_view(record)
    if cache is not None:
        cache.put(tag, record.commit, note_ids.get(record.commit, ""), pack(view), view["m"])
    return view
