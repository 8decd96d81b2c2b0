"""A model's history, read back from git: its root commit, version tags, notes
commits and deployment commits, merged oldest first. Each kind of event has its own
function, so that a reader needing only some (the view index's newest-event times,
gitreg/features/query/bulk.py) reads only those."""
from __future__ import annotations

import datetime as _dt
from typing import Any

import pygit2

from gitreg.core.audit_records import Event
from gitreg.core.errors import CorruptRegistryError
from gitreg.core.names import relative
from gitreg.features.deploy import deployments
from gitreg.features.notes import annotations
from gitreg.git.refs import layout
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot

_NOTE_KINDS = {
    "score": "scores_updated",
    "status": "status_changed",
    "tags": "tags_changed",
    "notes": "notes_changed",
    "metadata": "metadata_changed",
    "params": "params_changed",
}
_DEPLOY_KINDS = {"deploy": "deployed", "rollback": "rolled_back", "undeploy": "undeployed"}


def commit_time(commit: pygit2.Commit) -> str:
    tz = _dt.timezone(_dt.timedelta(minutes=commit.commit_time_offset))
    return _dt.datetime.fromtimestamp(commit.commit_time, tz).isoformat()


def _parse(ts: str) -> _dt.datetime:
    try:
        value = _dt.datetime.fromisoformat(ts)
    except ValueError:
        return _dt.datetime.min.replace(tzinfo=_dt.timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)


def _who(sig: pygit2.Signature) -> str:
    return f"{sig.name} <{sig.email}>"


def model_history(snap: ModelSnapshot) -> list[Event]:
    events = [created_event(snap), *registered_events(snap)]
    for env, state in snap.deployments.items():
        events += deployment_events(snap, env, state.tip)
    events += note_events(snap)
    events.sort(key=lambda e: _parse(e.timestamp))
    return events


def created_event(snap: ModelSnapshot) -> Event:
    root = snap.root_commit()
    meta = snap.metadata()
    return Event(meta.created_at or commit_time(root), "created", snap.model, None, _who(root.author), {},
                 commit=str(root.id))


def registered_events(snap: ModelSnapshot) -> list[Event]:
    model, events = snap.model, []
    for version in snap.versions_sorted():
        try:
            commit = snap.commit_of(version)
            manifest = snap.manifest(version, commit)
            named = (manifest.get("model_name"), str(manifest.get("version")))
            if named != (model, version):
                raise CorruptRegistryError(f"manifest names {named[0]}:{named[1]}, but the tag is {model}/{version}")
        except READ_ERRORS as exc:
            snap.store.problems.add(layout.tag_ref(model, version), exc)
            continue
        events.append(Event(registered_time(manifest, commit), "registered", model, version,
                            snap.registered_by(version, commit),
                            {"status": manifest.get("status"),
                             "parent_version": relative(manifest.get("parent_version"), model)},
                            commit=str(commit.id)))
    return events


def registered_time(manifest: dict[str, Any], commit: pygit2.Commit) -> str:
    """When a version was registered: its manifest's created_at, else its commit's time."""
    return str(manifest.get("created_at") or commit_time(commit))


def deployment_events(snap: ModelSnapshot, env: str, tip: pygit2.Oid) -> list[Event]:
    """The deployment commits of (env, model) from `tip` along first parents, oldest first
    (a commit that does not read is a problem of the ref; the rest still read)."""
    events = []
    for d in deployments.history(snap.store, snap.model, env, tip):
        details = {"previous_version": d.previous_version}
        if d.reason:
            details["reason"] = d.reason
        events.append(Event(d.deployed_at, _DEPLOY_KINDS.get(d.action, d.action), snap.model,
                            d.version if d.version is not None else d.previous_version,
                            d.deployed_by, details, environment=env, commit=d.commit))
    return events


def note_events(snap: ModelSnapshot) -> list[Event]:
    """One event per version a notes commit names (Gitreg-Version; none: the model's)."""
    events: list[Event] = []
    if snap.notes_tip is None:
        return events
    for commit in snap.store.walk(snap.notes_tip):
        if len(commit.parents) > 1:  # a merge of two clones' notes: its sides are the events
            continue
        trailers = annotations.trailers(commit.message)
        subject = commit.message.strip().splitlines()[0] if commit.message.strip() else ""
        detail = subject.partition(": ")[2] or subject
        when = trailers.get("Gitreg-Time", [commit_time(commit)])[0]
        kind = _NOTE_KINDS.get(trailers.get("Gitreg-Action", [""])[0], "note_changed")
        for version in trailers.get("Gitreg-Version", [None]):
            events.append(Event(when, kind, snap.model, version, _who(commit.author),
                                {"change": detail}, commit=str(commit.id)))
    return events
