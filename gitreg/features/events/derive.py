"""Events derived from ref updates (old, new, ref): O(refs updated), exact and replayable.

Each event comes from one object (a version tag, a deployment commit, a notes commit, an
approval commit) and its id is a hash of the ref, that object and its index within the object,
so the same event has the same id whichever range of updates it is derived from, in any clone.
Everything read is untrusted: one bad object is one problem and the rest are still derived.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import CorruptRegistryError
from gitreg.core.names import check_environment_name, check_model_name, check_version_name
from gitreg.features.notes import annotations
from gitreg.features.policy import approvals
from gitreg.git.objects import notes as gitnotes
from gitreg.git.objects import revrange
from gitreg.git.refs import layout
from gitreg.git.refs.changes import ZERO, RefChange
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot

SCHEMA = "gitreg.events/1"
PREFIXES = (layout.TAGS, layout.DEPLOYED, layout.NOTES, layout.APPROVALS)
TEXT_LIMIT = 1024  # a string taken from a registry object into an event
LIST_LIMIT = 100  # entries of a mapping or list taken into an event (metrics, files, tags)

# type -> (MLflow webhook entity, action) where the concepts match (docs/events.md)
TYPES = {
    "version.registered": ("model_version", "created"),
    "version.scored": ("model_version", "updated"),
    "version.status_changed": ("model_version", "updated"),
    "version.tagged": ("model_version_tag", "set"),
    "model.metadata_changed": ("registered_model", "updated"),
    "deployment.deployed": ("model_version_alias", "created"),
    "deployment.rolled_back": ("model_version_alias", "created"),
    "deployment.undeployed": ("model_version_alias", "deleted"),
    "approval.added": ("model_version", "approved"),
}
_NOTE_TYPES = {"score": "version.scored", "status": "version.status_changed", "tags": "version.tagged",
               "metadata": "model.metadata_changed"}
_DEPLOY_TYPES = {"deploy": "deployment.deployed", "rollback": "deployment.rolled_back",
                 "undeploy": "deployment.undeployed"}


@dataclass
class RegistryEvent:
    """One event; `object` is the (possibly signed) git object it was derived from."""

    id: str
    type: str
    model: str
    version: Optional[str]
    environment: Optional[str]
    actor: str
    time: str
    ref: str
    old: str
    new: str
    object: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        entity, action = TYPES[self.type]
        return {"schema": SCHEMA, "id": self.id, "type": self.type, "entity": entity, "action": action,
                "model": self.model, "version": self.version, "environment": self.environment,
                "actor": self.actor, "time": self.time, "ref": self.ref, "old": self.old, "new": self.new,
                "object": self.object, "data": self.data}


def event_id(ref: str, obj: str, index: int = 0) -> str:
    return hashlib.sha256(f"{ref}\0{obj}\0{index}".encode()).hexdigest()[:32]


def derive(store: Store, changes: Iterable[RefChange]) -> list[RegistryEvent]:
    """The events of these ref updates, in the given ref order, oldest first within a ref."""
    out: list[RegistryEvent] = []
    for change in changes:
        try:
            out.extend(_for_change(store, change))
        except READ_ERRORS as exc:
            store.problems.add(change.ref, exc)
    return out


def changes_between(old: Mapping[str, str], new: Mapping[str, str]) -> list[RefChange]:
    """The updates taking refs `old` ({ref: id}) to `new`, sorted by ref; only event refs."""
    names = sorted(n for n in set(old) | set(new) if n.startswith(PREFIXES))
    return [RefChange(old.get(n, ZERO), new.get(n, ZERO), n) for n in names if old.get(n) != new.get(n)]


def current_refs(store: Store) -> dict[str, str]:
    """{ref: id} of every ref events are derived from (tags as their tag objects)."""
    out: dict[str, str] = {}
    for prefix in PREFIXES:
        out.update({name: str(oid) for name, oid in store.refs_under(prefix).items()})
    return out


# -- per ref kind -------------------------------------------------------------
def _for_change(store: Store, change: RefChange) -> Iterator[RegistryEvent]:
    if change.new == ZERO:
        return iter(())  # a deletion: gitreg never deletes these refs, and it announces nothing
    ref = change.ref
    if ref.startswith(layout.TAGS):
        return _registered(store, change)
    if ref.startswith(layout.DEPLOYED):
        return _deployments(store, change)
    if ref.startswith(layout.NOTES):
        return _notes(store, change)
    if ref.startswith(layout.APPROVALS):
        return _approvals(store, change)
    return iter(())


def _oid(hexid: str) -> Optional[pygit2.Oid]:
    return None if hexid == ZERO else pygit2.Oid(hex=hexid)


def _text(value: Any) -> Optional[str]:
    return None if value is None else str(value)[:TEXT_LIMIT]


def _who(sig: pygit2.Signature) -> str:
    return _text(f"{sig.name} <{sig.email}>") or ""


def _git_time(when: int, offset: int) -> str:
    tz = _dt.timezone(_dt.timedelta(minutes=offset))
    return _dt.datetime.fromtimestamp(when, tz).isoformat()


def _iso(value: Any, fallback: str) -> str:
    """A recorded time if it is ISO 8601, else the git object's own time."""
    try:
        _dt.datetime.fromisoformat(str(value))
        return str(value)[:64]
    except ValueError:
        return fallback


def _scalars(mapping: Any) -> dict[str, Any]:
    """A flat summary of a mapping of numbers/strings (metrics, params), bounded."""
    out: dict[str, Any] = {}
    if not isinstance(mapping, dict):
        return out
    for key, value in list(mapping.items())[:LIST_LIMIT]:
        if isinstance(value, bool) or value is None:
            out[str(key)[:TEXT_LIMIT]] = value
        elif isinstance(value, (int, float)):
            out[str(key)[:TEXT_LIMIT]] = value if value == value and abs(value) != float("inf") else None
        elif isinstance(value, str):
            out[str(key)[:TEXT_LIMIT]] = value[:TEXT_LIMIT]
    return out


def _strings(value: Any) -> list[str]:
    return [str(v)[:TEXT_LIMIT] for v in value[:LIST_LIMIT]] if isinstance(value, list) else []


def _split_model_version(rest: str) -> tuple[str, str]:
    model, _, version = rest.rpartition("/")
    return check_model_name(model), check_version_name(version)


def _registered(store: Store, change: RefChange) -> Iterator[RegistryEvent]:
    model, version = _split_model_version(change.ref[len(layout.TAGS):])
    obj = store.repo.get(change.new)
    if obj is None:
        raise CorruptRegistryError(f"object {change.new} is missing")
    commit = store.commit(obj.id)
    tagger = obj.tagger if isinstance(obj, pygit2.Tag) else None
    who = tagger or commit.committer
    where = f"{change.ref}:{layout.MANIFEST_FILE}"
    data = store.read_file(commit, layout.MANIFEST_FILE, where=where)
    manifest = yamlio.load_mapping(data, where) if data is not None else {}
    if manifest and (manifest.get("model_name"), str(manifest.get("version"))) != (model, version):
        raise CorruptRegistryError(f"{where} names another version than its tag")
    files = [{"role": _text(f.get("role")), "path": _text(f.get("path")), "sha256": _text(f.get("sha256")),
              "size_bytes": f.get("size_bytes") if isinstance(f.get("size_bytes"), int) else None,
              "stored": bool(f.get("stored"))}
             for f in manifest.get("files", [])[:LIST_LIMIT] if isinstance(f, dict)] \
        if isinstance(manifest.get("files"), list) else []
    facts = {
        "name": model, "version": version, "source": change.ref, "commit": str(commit.id),
        "parent_version": _text(manifest.get("parent_version")), "base_model": _text(manifest.get("base_model")),
        "status": _text(manifest.get("status")), "metrics": metrics(manifest.get("evaluation_scores")),
        "files": files, "tags": _strings(manifest.get("tags")), "description": _text(manifest.get("notes")),
        "signed": store.tag_signature(obj.id) is not None if tagger else store.commit_signature(commit) is not None,
    }
    time = _iso(manifest.get("created_at"), _git_time(who.time, who.offset))
    yield RegistryEvent(event_id(change.ref, change.new), "version.registered", model, version, None,
                        _who(who), time, change.ref, change.old, change.new, change.new, facts)


def _deployments(store: Store, change: RefChange) -> Iterator[RegistryEvent]:
    env, _, model = change.ref[len(layout.DEPLOYED):].partition("/")
    check_environment_name(env)
    check_model_name(model)
    for commit in revrange.first_parents(store.repo, _oid(change.new), _oid(change.old)):
        where = f"{change.ref}@{str(commit.id)[:12]}:{layout.DEPLOYMENT_FILE}"
        try:
            data = store.read_file(commit, layout.DEPLOYMENT_FILE, yamlio.DEPLOYMENT_LIMIT, where)
            if data is None:
                raise CorruptRegistryError(f"{where} is missing")
            record = yamlio.load_mapping(data, where, yamlio.DEPLOYMENT_LIMIT)
            kind = _DEPLOY_TYPES.get(str(record.get("action", "deploy")))
            if kind is None:
                raise CorruptRegistryError(f"{where}: unknown action {record.get('action')!r}")
        except READ_ERRORS as exc:
            store.problems.add(change.ref, exc)
            continue
        version, previous = _text(record.get("version")), _text(record.get("previous_version"))
        facts = {"name": model, "alias": env, "action": record.get("action", "deploy"),
                 "version": version, "previous_version": previous, "reason": _text(record.get("reason") or None),
                 "commit": str(commit.id), "signed": store.commit_signature(commit) is not None}
        yield RegistryEvent(
            event_id(change.ref, str(commit.id)), kind, model, version or previous, env,
            _text(record.get("deployed_by")) or _who(commit.committer),
            _iso(record.get("deployed_at"), _git_time(commit.commit_time, commit.commit_time_offset)),
            change.ref, change.old, change.new, str(commit.id), facts)


def _note(store: Store, tree: Optional[pygit2.Tree], target: str, where: str) -> dict[str, Any]:
    if tree is None:
        return {}
    blob = gitnotes.read_all(store.repo, tree).get(target)
    return {} if blob is None else yamlio.load_mapping(store.read_blob(blob, where=where), where)


def _notes(store: Store, change: RefChange) -> Iterator[RegistryEvent]:
    model = check_model_name(change.ref[len(layout.NOTES):])
    for commit in revrange.added(store.repo, _oid(change.new), _oid(change.old)):
        if len(commit.parents) > 1:  # a merge of two clones' notes: its sides are the events
            continue
        trailers = annotations.trailers(commit.message)
        kind = _NOTE_TYPES.get((trailers.get("Gitreg-Action") or [""])[0])
        if kind is None:
            continue  # free-text notes, or a note gitreg did not write: no event
        time = _iso((trailers.get("Gitreg-Time") or [""])[0], _git_time(commit.commit_time, commit.commit_time_offset))
        before = commit.parents[0].tree if commit.parents else None
        versions: list[Optional[str]] = (
            [None] if kind == "model.metadata_changed" else list(trailers.get("Gitreg-Version", [])))
        for index, version in enumerate(versions):
            try:
                facts = _note_facts(store, model, version, kind, before, commit, change.ref)
            except READ_ERRORS as exc:
                store.problems.add(change.ref, exc)
                continue
            yield RegistryEvent(event_id(change.ref, str(commit.id), index), kind, model, version, None,
                                _who(commit.author), time, change.ref, change.old, change.new, str(commit.id), facts)


def _note_facts(store: Store, model: str, version: Optional[str], kind: str, before: Optional[pygit2.Tree],
                commit: pygit2.Commit, ref: str) -> dict[str, Any]:
    """What changed in the note of `version` (the model's root commit for metadata), laid over
    what the version recorded at registration (a note holds overrides only)."""
    snap = ModelSnapshot.load(store, model)
    if version is None:
        target, base = str(snap.root_commit().id), {}
    else:
        target = str(snap.commit_of(check_version_name(version)).id)
        base = snap.manifest(version)
    where = f"{ref}@{str(commit.id)[:12]}:{target[:12]}"
    after, prior = _note(store, commit.tree, target, where), _note(store, before, target, where)
    facts: dict[str, Any] = {"name": model, "version": version, "commit": str(commit.id),
                             "signed": store.commit_signature(commit) is not None}
    if kind == "version.scored":
        new = metrics(mf.merge_scores(base.get("evaluation_scores") or {}, after.get("evaluation_scores") or {}))
        old = metrics(mf.merge_scores(base.get("evaluation_scores") or {}, prior.get("evaluation_scores") or {}))
        facts.update(metrics=new, changed={k: v for k, v in new.items() if old.get(k) != v})
    elif kind == "version.status_changed":
        facts.update(status=_text(after.get("status", base.get("status"))),
                     previous_status=_text(prior.get("status", base.get("status"))))
    elif kind == "version.tagged":
        facts.update(tags=_strings(after.get("tags", base.get("tags"))),
                     previous_tags=_strings(prior.get("tags", base.get("tags"))))
    else:
        changed = {k: v for k, v in after.items() if prior.get(k) != v}
        facts["changed"] = {**_scalars(changed), **{k: _strings(v) for k, v in changed.items() if isinstance(v, list)}}
    return facts


def metrics(scores: Any) -> dict[str, Any]:
    """evaluation_scores as one flat mapping of the numbers recorded (rouge.*, custom metrics by name)."""
    flat: dict[str, Any] = {}
    if isinstance(scores, dict):
        for key, value in scores.items():
            if isinstance(value, dict):
                prefix = "" if key == "custom_metrics" else f"{key}."
                flat.update({f"{prefix}{k}": v for k, v in value.items()})
            else:
                flat[key] = value
    return {k: v for k, v in _scalars(flat).items() if v is not None}


def _approvals(store: Store, change: RefChange) -> Iterator[RegistryEvent]:
    """Read with the policy's own reader, so an event announces exactly the approvals that
    `deploy` and the server hook count (environment named, approver = the commit's author)."""
    model = check_model_name(change.ref[len(layout.APPROVALS):])
    for commit in revrange.added(store.repo, _oid(change.new), _oid(change.old)):
        if len(commit.parents) > 1:
            continue
        try:
            record = approvals.parse(store, commit, model)
        except READ_ERRORS as exc:
            store.problems.add(change.ref, exc)
            continue
        facts = {"name": model, "version": record.version, "alias": record.environment,
                 "approver": _text(record.approver), "reason": _text(record.reason), "commit": str(commit.id),
                 "signed": store.commit_signature(commit) is not None}
        yield RegistryEvent(
            event_id(change.ref, str(commit.id)), "approval.added", model, record.version, record.environment,
            _text(record.approver) or "", _iso(record.time, _git_time(commit.commit_time, commit.commit_time_offset)),
            change.ref, change.old, change.new, str(commit.id), facts)
