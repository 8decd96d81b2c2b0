"""The current views of a model's versions, read fast: O(versions of that model).

Per version: its tag id (from the ref listing) finds a cached view, valid while the
version's note blob is the one it was made with; a miss reads the version as every
other reader does (ModelSnapshot.stored) and caches the view. The deployment refs
are then laid on (DESIGN.md: current view = manifest + notes + deployments). A
version that cannot be read is reported and skipped; the rest are still returned.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GitregError
from ..records import ModelVersion
from ..snapshot import ModelSnapshot
from ..storage.viewcache import ViewCache
from .fields import deploy, stored_view


@dataclass
class ModelViews:
    snapshot: ModelSnapshot
    views: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)


def view_of(record: ModelVersion) -> dict[str, Any]:
    """The view of a record already read (for rendering what the API returned)."""
    return deploy(stored_view(record), list(record.environments), record.deployed_at)


def _deployed(snap: ModelSnapshot, problems: list[str]) -> dict[str, tuple[list[str], str]]:
    """{version: (environments, newest deployed_at)} from the deployment refs."""
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


def load(snap: ModelSnapshot) -> ModelViews:
    problems: list[str] = []
    try:
        notes = snap.notes
    except GitregError as exc:
        return ModelViews(snap, [], [f"{snap.model}: notes not read, model skipped: {exc}"])
    cache = ViewCache(Path(snap.store.repo.path), snap.model) if snap.use_cache else None
    deployed = _deployed(snap, problems)
    views = []
    for version in snap.versions_sorted():
        try:
            view = _view(snap, version, notes, cache)
        except GitregError as exc:
            problems.append(f"{snap.model} {version}: skipped: {exc}")
            continue
        envs, when = deployed.get(version, ([], ""))
        views.append(deploy(view, envs, when or None))
    if cache is not None:
        cache.flush()
    snap.store.cache(snap.model).flush()
    return ModelViews(snap, views, problems)


def _view(snap: ModelSnapshot, version: str, notes: dict, cache: ViewCache | None) -> dict[str, Any]:
    tag = str(snap.tag_target(version))
    if cache is not None:
        commit = cache.commit_of(tag)
        if commit is not None:
            note = notes.get(commit)
            hit = cache.get(tag, "" if note is None else str(note))
            if hit is not None and _plausible(hit[1], snap.model, version):
                return hit[1]
    record = snap.stored(version)
    view = stored_view(record)
    if cache is not None:
        note = notes.get(record.commit)
        cache.put(tag, record.commit, "" if note is None else str(note), view)
        view = dict(view)  # the cached copy is never changed by the deployment overlay
    return view


def _plausible(view: dict[str, Any], model: str, version: str) -> bool:
    """A cached view is used only when it is well-formed and names this version."""
    return (view.get("model") == model and view.get("version") == version
            and isinstance(view.get("m"), dict)
            and all(isinstance(view.get(k), list) for k in ("tag", "training_data")))
