"""A model's history, read back from git: its root commit, version tags, notes
commits and deployment commits, merged oldest first."""
from __future__ import annotations

import datetime as _dt

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


def _commit_time(commit: pygit2.Commit) -> str:
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
    model = snap.model
    events: list[Event] = []
    root = snap.root_commit()
    meta = snap.metadata()
    events.append(Event(meta.created_at or _commit_time(root), "created", model, None,
                        _who(root.author), {}, commit=str(root.id)))

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
        details = {"status": manifest.get("status"),
                   "parent_version": relative(manifest.get("parent_version"), model)}
        events.append(Event(str(manifest.get("created_at") or _commit_time(commit)), "registered",
                            model, version, snap.registered_by(version, commit), details,
                            commit=str(commit.id)))

    for env in snap.deployments:
        for d in deployments.history(snap.store, model, env):
            details = {"previous_version": d.previous_version}
            if d.reason:
                details["reason"] = d.reason
            events.append(Event(d.deployed_at, _DEPLOY_KINDS.get(d.action, d.action), model,
                                d.version if d.version is not None else d.previous_version,
                                d.deployed_by, details, environment=env, commit=d.commit))

    if snap.notes_tip is not None:
        for commit in snap.store.walk(snap.notes_tip):
            if len(commit.parents) > 1:  # a merge of two clones' notes: its sides are the events
                continue
            trailers = annotations.trailers(commit.message)
            subject = commit.message.strip().splitlines()[0] if commit.message.strip() else ""
            detail = subject.partition(": ")[2] or subject
            when = trailers.get("Gitreg-Time", [_commit_time(commit)])[0]
            kind = _NOTE_KINDS.get(trailers.get("Gitreg-Action", [""])[0], "note_changed")
            for version in trailers.get("Gitreg-Version", [None]):
                events.append(Event(when, kind, model, version, _who(commit.author),
                                    {"change": detail}, commit=str(commit.id)))

    events.sort(key=lambda e: _parse(e.timestamp))
    return events
