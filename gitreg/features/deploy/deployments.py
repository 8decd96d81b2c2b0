"""Deploy, rollback and undeploy: commits appended to refs/deployed/<env>/<model>.

Order comes from commit parentage, not timestamps, so events in the same second
keep their order. Rollback without a version pops the deployment stack: the
version that was live before the current one was deployed.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.audit_records import Deployment
from gitreg.core.errors import CorruptRegistryError, DeploymentError, InvalidNameError
from gitreg.core.names import check_environment_name, version_key
from gitreg.core.preview import Preview
from gitreg.core.records import RETIRED_STATUSES, VersionStatus
from gitreg.features.notes.annotations import NoteChange, message, notes_update
from gitreg.git.refs import layout
from gitreg.git.refs.transaction import RefUpdate, retrying
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot

ACTIONS = ("deploy", "rollback", "undeploy")


def _to_record(store: Store, commit: pygit2.Commit, env: str, model: str) -> Deployment:
    where = f"{layout.deploy_ref(env, model)}@{str(commit.id)[:12]}:{layout.DEPLOYMENT_FILE}"
    data = store.read_file(commit, layout.DEPLOYMENT_FILE, yamlio.DEPLOYMENT_LIMIT, where)
    if data is None:
        raise CorruptRegistryError(f"{where} is missing")
    d = yamlio.load_mapping(data, where, yamlio.DEPLOYMENT_LIMIT)
    version = d.get("version")
    previous = d.get("previous_version")
    return Deployment(
        environment=env,
        model_name=model,
        version=None if version is None else str(version),
        action=str(d.get("action", "deploy")),
        previous_version=None if previous is None else str(previous),
        deployed_by=str(d.get("deployed_by") or f"{commit.committer.name} <{commit.committer.email}>"),
        deployed_at=str(d.get("deployed_at") or ""),
        reason=str(d.get("reason") or ""),
        commit=str(commit.id),
    )


def read(store: Store, commit: pygit2.Commit, env: str, model: str) -> Deployment:
    """One deployment commit of (env, model) as a record; raises on a bad one (READ_ERRORS)."""
    return _to_record(store, commit, env, model)


def history(store: Store, model: str, env: str, tip: Optional[pygit2.Oid] = None) -> list[Deployment]:
    """Every deployment commit of (env, model), oldest first, along first parents: from the
    ref's tip, or from `tip` (a tip read before: the history of exactly that commit)."""
    tip = tip if tip is not None else store.ref_target(layout.deploy_ref(env, model))
    if tip is None:
        return []
    chain = []
    commit = store.commit(tip)
    while True:
        chain.append(commit)
        if not commit.parents:
            break
        commit = commit.parents[0]
    records = []
    for c in reversed(chain):
        try:
            records.append(_to_record(store, c, env, model))
        except READ_ERRORS as exc:  # one bad commit is a problem; the rest of the history reads
            store.problems.add(layout.deploy_ref(env, model), exc)
    return records


def rollback_target(records: list[Deployment]) -> Optional[str]:
    """The version live before the current one, treating deploys as pushes and rollbacks as pops."""
    stack: list[Optional[str]] = []
    for r in records:
        if r.action == "rollback" and r.version in stack:
            while stack and stack[-1] != r.version:
                stack.pop()
        elif not stack or stack[-1] != r.version:
            stack.append(r.version)
    current = stack[-1] if stack else None
    for candidate in reversed(stack[:-1]):
        if candidate is not None and candidate != current:
            return candidate
    return None


def _with_status(status: str) -> NoteChange:
    return lambda note: {**note, "status": status}


def _target(store: Store, snap: ModelSnapshot, action: str, version: Optional[str],
            env: str, current: Optional[str]) -> Optional[str]:
    """The version the environment will run after `action` (None: nothing), or an error."""
    model = snap.model
    if version is not None:
        snap.require(version)
    if action == "undeploy":
        if current is None:
            raise DeploymentError(f"{model} has nothing deployed in {env}")
        if version is not None and version != current:
            raise DeploymentError(f"{model} {version} is not deployed in {env} ({current} is)")
        return None
    if action == "rollback":
        if version is None:
            version = rollback_target(history(store, model, env))
            if version is None:
                raise DeploymentError(f"nothing to roll back to: {model} has no earlier deployment in {env}")
        if version == current:
            raise DeploymentError(f"{model} {version} is already deployed in {env}")
    if snap.stored_status(version) is VersionStatus.ARCHIVED:
        raise DeploymentError(
            f"{model} {version} is archived: set its status back first "
            f"(gitreg status {model} {version} completed)"
        )
    return version


def _status_changes(snap: ModelSnapshot, action: str, env: str, current: Optional[str],
                    target: Optional[str]) -> dict[str, str]:
    """{version: new status}: a deprecated target is live again; the replaced one may retire.

    A rollback deprecates what it replaces; a deploy does when it replaces an older
    version -- unless the replaced version is still live in another environment.
    """
    out: dict[str, str] = {}
    if target is not None and snap.stored_status(target) is VersionStatus.DEPRECATED:
        out[target] = VersionStatus.COMPLETED.value
    if current is None or action == "undeploy" or current not in snap.versions:
        return out  # (a deployment naming a version not in the registry retires nothing)
    if action == "deploy" and version_key(target) < version_key(current):
        return out
    still_live = [e for e in snap.environments_of(current) if e != env]
    if not still_live and snap.stored_status(current) not in RETIRED_STATUSES:
        out[current] = VersionStatus.DEPRECATED.value
    return out


def _environments(store: Store) -> set[str]:
    return {rest.partition("/")[0] for rest in store.ref_names_under(layout.DEPLOYED)}


def _new_environment_guard(store: Store, env: str) -> tuple[dict[str, Optional[pygit2.Oid]],
                                                               Optional[Callable[[], None]]]:
    """For a write that creates environment `env`: the guard every creator of its case
    twins locks too, and the case rule checked again under it (the second writer sees the
    first). A write to an environment in use needs neither."""
    if env in _environments(store):
        return {}, None

    def check() -> None:
        for other in _environments(store):
            if other != env and other.lower() == env.lower():
                raise InvalidNameError(
                    f"environment {env!r} differs only in case from existing {other!r} "
                    "(refused: refs would collide on case-insensitive file systems)"
                )

    return {layout.environment_guard(env): None}, check


def _record(store: Store, model: str, env: str, action: str, target: Optional[str], current: Optional[str],
            reason: str, at: float) -> tuple[dict[str, Any], str]:
    """(deployment.yaml, commit subject) of one deployment commit."""
    sig = store.signature("committer", at)
    record = {
        "model_name": model,
        "version": target,
        "environment": env,
        "action": action,
        "previous_version": current,
        "deployed_by": f"{sig.name} <{sig.email}>",
        "deployed_at": mf.now_iso(at),
        "reason": reason,
    }
    subject = (
        f"undeploy {model} {current} from {env}" if action == "undeploy"
        else f"{action} {model} {target} to {env}" + (f" (was {current})" if current else "")
    )
    return record, subject


def preview(store: Store, model: str, env: str, action: str, version: Optional[str], reason: str = "",
            sync_remote: Optional[str] = None) -> Preview:
    """What apply() would record now, from the local refs; nothing is written."""
    check_environment_name(env)
    snap = ModelSnapshot.load(store, model)
    state = snap.deployments.get(env)
    current = state.version if state else None
    if action == "deploy" and version == current:
        snap.require(version)
        return Preview(f"deploy {model} {version} to {env}", [], {},
                       effects=[f"nothing: {model} {version} already runs in {env}"])
    target = _target(store, snap, action, version, env, current)
    record, subject = _record(store, model, env, action, target, current, reason, time.time())
    refs = [(layout.deploy_ref(env, model),
             "created: the environment's deployment history" if state is None else "moves to a new deployment commit")]
    statuses = _status_changes(snap, action, env, current, target)
    if statuses:
        refs.append((layout.notes_ref(model), "moves: " + ", ".join(f"{v} becomes {s}" for v, s in statuses.items())))
    effects = [f"published to {sync_remote} at once"] if sync_remote else []
    return Preview(subject, refs, {layout.DEPLOYMENT_FILE: yamlio.dump(record).decode()}, effects=effects)


def apply(
    store: Store, model: str, env: str, action: str, version: Optional[str], reason: str = "",
    sign: Optional[bool] = None,
    when: Optional[float] = None,
) -> Optional[Deployment]:
    """Append one deployment commit (and any status notes, in the same CAS).

    Returns the new record, or None when deploying what is already live. The
    deployment commit is signed as git's commit.gpgSign / gitreg.sign (or `sign`) say.
    `when` (epoch; default now) dates the commit and deployed_at: imports keep the original.
    """
    check_environment_name(env)
    assert action in ACTIONS
    signer = store.signer("commit", sign)

    def attempt() -> Optional[Deployment]:
        snap = ModelSnapshot.load(store, model)
        state = snap.deployments.get(env)
        current = state.version if state else None
        if action == "deploy" and version == current:
            snap.require(version)
            return None
        target = _target(store, snap, action, version, env, current)

        at = time.time() if when is None else when
        record, subject = _record(store, model, env, action, target, current, reason, at)
        base = snap.commit_of(target).tree.id if target is not None else None
        tree = store.write_tree({layout.DEPLOYMENT_FILE: yamlio.dump_within(record, layout.DEPLOYMENT_FILE,
                                                                                 yamlio.DEPLOYMENT_LIMIT)}, base=base)
        body = f"\n\n{reason.strip()}\n" if reason.strip() else "\n"
        commit = store.write_commit(tree, [state.tip] if state else [], subject + body, at, signer)
        updates = [RefUpdate(layout.deploy_ref(env, model), state.tip if state else None, commit)]

        statuses = _status_changes(snap, action, env, current, target)
        if statuses:
            changes: dict[pygit2.Oid, tuple[str, NoteChange]] = {
                snap.commit_of(v).id: (f"{model}/{v}", _with_status(s)) for v, s in statuses.items()
            }
            detail = ", ".join(f"{v} {s}" for v, s in statuses.items()) + f" ({action} in {env})"
            note = notes_update(snap, changes, message("status", model, list(statuses), f"status {detail}", at), at)
            if note is not None:
                updates.append(note)
        guards, check = _new_environment_guard(store, env)
        store.update_refs(updates, f"gitreg: {subject}", guards, check=check)
        return _to_record(store, store.commit(commit), env, model)

    return retrying(attempt, f"{action} {model} in {env}")
