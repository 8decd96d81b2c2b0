"""Deploy, rollback and undeploy: commits appended to refs/deployed/<env>/<model>.

Order comes from commit parentage, not timestamps, so events in the same second
keep their order. Rollback without a version pops the deployment stack: the
version that was live before the current one was deployed.
"""
from __future__ import annotations

import time
from typing import Optional

import pygit2

from . import manifest as mf, yamlio
from .annotations import NoteChange, message, notes_update
from .errors import CorruptRegistryError, DeploymentError
from .names import check_environment_name, version_key
from .records import RETIRED_STATUSES, Deployment, VersionStatus
from .snapshot import ModelSnapshot
from .storage import layout
from .storage.repository import Store
from .storage.transaction import RefUpdate, retrying

ACTIONS = ("deploy", "rollback", "undeploy")


def _to_record(store: Store, commit: pygit2.Commit, env: str, model: str) -> Deployment:
    where = f"{layout.deploy_ref(env, model)}@{str(commit.id)[:12]}:{layout.DEPLOYMENT_FILE}"
    data = store.read_file(commit, layout.DEPLOYMENT_FILE)
    if data is None:
        raise CorruptRegistryError(f"{where} is missing")
    d = yamlio.load_mapping(data, where)
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


def history(store: Store, model: str, env: str) -> list[Deployment]:
    """Every deployment commit of (env, model), oldest first, along first parents."""
    tip = store.ref_target(layout.deploy_ref(env, model))
    if tip is None:
        return []
    chain = []
    commit = store.commit(tip)
    while True:
        chain.append(commit)
        if not commit.parents:
            break
        commit = commit.parents[0]
    return [_to_record(store, c, env, model) for c in reversed(chain)]


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


def apply(
    store: Store, model: str, env: str, action: str, version: Optional[str], reason: str = ""
) -> tuple[Optional[Deployment], Optional[str]]:
    """Append one deployment commit. Returns (the new record or None if a no-op, deprecated version)."""
    check_environment_name(env)
    assert action in ACTIONS

    def attempt() -> tuple[Optional[Deployment], Optional[str]]:
        snap = ModelSnapshot.load(store, model)
        state = snap.deployments.get(env)
        current = state.version if state else None
        target = version
        if target is not None:
            snap.require(target)
        if action == "deploy" and current == target:
            return None, None
        if action == "rollback":
            if target is None:
                target = rollback_target(history(store, model, env))
                if target is None:
                    raise DeploymentError(
                        f"nothing to roll back to: {model} has no earlier deployment in {env}"
                    )
            if current == target:
                raise DeploymentError(f"{model} {target} is already deployed in {env}")
        if action == "undeploy":
            if current is None:
                raise DeploymentError(f"{model} has nothing deployed in {env}")
            if target is not None and target != current:
                raise DeploymentError(f"{model} {target} is not deployed in {env} ({current} is)")
            target = None

        if target is not None and snap.stored_status(target) is VersionStatus.ARCHIVED:
            raise DeploymentError(
                f"{model} {target} is archived: set its status back first "
                f"(gitreg status {model} {target} completed)"
            )

        when = time.time()
        deployed_by = "{0} <{1}>".format(*_identity(store, when))
        record = {
            "model_name": model,
            "version": target,
            "environment": env,
            "action": action,
            "previous_version": current,
            "deployed_by": deployed_by,
            "deployed_at": mf.now_iso(when),
            "reason": reason,
        }
        files = {layout.DEPLOYMENT_FILE: yamlio.dump(record)}
        base = snap.commit_of(target).tree.id if target is not None else None
        tree = store.write_tree(files, base=base)
        subject = (
            f"undeploy {model} {current} from {env}" if action == "undeploy"
            else f"{action} {model} {target} to {env}" + (f" (was {current})" if current else "")
        )
        body = f"\n\n{reason.strip()}\n" if reason.strip() else "\n"
        parents = [state.tip] if state else []
        commit = store.write_commit(tree, parents, subject + body, when)
        updates = [RefUpdate(layout.deploy_ref(env, model), state.tip if state else None, commit)]

        statuses: dict[str, str] = {}
        if target is not None and snap.stored_status(target) is VersionStatus.DEPRECATED:
            statuses[target] = VersionStatus.COMPLETED.value  # live again
        deprecated = None
        replaced_newer = action == "deploy" and current is not None and version_key(target) > version_key(current)
        if current is not None and (action == "rollback" or replaced_newer):
            still_live = [e for e in snap.environments_of(current) if e != env]
            if not still_live and snap.stored_status(current) not in RETIRED_STATUSES:
                deprecated = current
                statuses[current] = VersionStatus.DEPRECATED.value
        if statuses:
            changes: dict[pygit2.Oid, tuple[str, NoteChange]] = {
                snap.commit_of(v).id: (f"{model}/{v}", _with_status(s)) for v, s in statuses.items()
            }
            detail = ", ".join(f"{v} {s}" for v, s in statuses.items()) + f" ({action} in {env})"
            msg = message("status", model, list(statuses), f"status {detail}", when)
            note = notes_update(snap, changes, msg, when)
            if note is not None:
                updates.append(note)
        store.update_refs(updates, f"gitreg: {subject}")
        return _to_record(store, store.commit(commit), env, model), deprecated

    return retrying(attempt, f"{action} {model} in {env}")


def _identity(store: Store, when: float) -> tuple[str, str]:
    sig = store.signature("committer", when)
    return sig.name, sig.email
