"""Retention: purge the stored bytes of retired versions, never their history.

A policy keeps the bytes of every version that is deployed now or was running in the
last N days, of the last K versions of each model and of every version tagged `keep`;
of the rest, the archived and deprecated versions registered more than D days ago have
their LFS objects deleted from the local store, except objects another kept (or not
retired) version also uses: identical files are stored once, across models.

Nothing is rewritten: each purge is appended to the version's note (`purged:`, one entry
per file: sha256, path, size, when, who, why) in a notes commit, signed when signing is
in force, *before* the bytes go, so a gc killed half-way leaves a record of bytes that
may still be here (the next gc deletes them), never bytes gone without a record.
A Git LFS server cannot be asked to delete (the API has none); where it keeps its objects in
an S3 bucket, gc deletes them there itself when told where (serverstore.py).
"""
from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from gitreg.core.audit_records import Deployment
from gitreg.core.errors import GitregError
from gitreg.core.records import ModelVersion
from gitreg.features.artifacts import tree
from gitreg.features.deploy import deployments
from gitreg.features.notes.annotations import annotate_version
from gitreg.features.retention.serverstore import S3Store
from gitreg.git import lfs
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot, model_names

RETIRED = ("archived", "deprecated")
KEEP_TAG = "keep"


@dataclass(frozen=True)
class Policy:
    keep_deployed_days: float = 30  # bytes of what ran in the last N days stay
    keep_last: int = 3  # ... of the newest K versions of each model
    purge_older_than_days: float = 90  # retired versions registered before this may go

    def __post_init__(self) -> None:
        if self.keep_deployed_days < 0 or self.keep_last < 0 or self.purge_older_than_days < 0:
            raise GitregError("retention periods and counts cannot be negative")

    def reason(self) -> str:
        return (f"gc: archived/deprecated, registered over {self.purge_older_than_days:g} days ago; "
                f"not deployed in {self.keep_deployed_days:g} days, not among the last {self.keep_last}, "
                f"not tagged {KEEP_TAG}")


@dataclass(frozen=True)
class Planned:
    """One stored file whose bytes the policy purges."""
    model: str
    version: str
    path: str  # below artifacts/
    sha256: str
    size_bytes: int
    here: bool = True  # in the local store now (False: only the server's store may still have it)


@dataclass
class Plan:
    policy: Policy
    purges: list[Planned] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # "model:version" -> why its bytes stay
    done: bool = False  # False: a dry run
    server: Optional[str] = None  # the LFS server's store deleted from too (None: only the local store)
    server_deleted: list[str] = field(default_factory=list)  # oids that were there and are gone

    @property
    def freed_bytes(self) -> int:
        """Local bytes freed, each object once (a file shared by two purged versions is one object)."""
        return sum({p.sha256: p.size_bytes for p in self.purges if p.here}.values())


def _parse(ts: str) -> Optional[_dt.datetime]:
    try:
        when = _dt.datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)


def recently_deployed(records: list[Deployment], since: _dt.datetime, now: _dt.datetime) -> set[str]:
    """Versions that ran at some time after `since` (a deployment runs until the next one)."""
    out = set()
    for i, d in enumerate(records):
        until = _parse(records[i + 1].deployed_at) if i + 1 < len(records) else now
        if d.version is not None and (until is None or until >= since):
            out.add(d.version)  # an unreadable date counts as recent: keep rather than purge
    return out


def stored_items(record: ModelVersion) -> list[tuple[str, str, int]]:
    """(path below artifacts/, oid, size) of a version's stored files."""
    where = f"{record.model_name}/{record.version}:manifest.yaml"
    return [("/".join(parts), oid, size) for entry in tree.stored_entries(record.files)
            for parts, oid, size in tree.layout(entry, where)]


def _kept_because(record: ModelVersion, ran: bool, last: bool, old_before: _dt.datetime,
                  policy: Policy) -> Optional[str]:
    """Why the policy keeps a version's bytes; None: they may be purged."""
    if ran:
        return "deployed recently"
    if last:
        return f"among the last {policy.keep_last}"
    if KEEP_TAG in record.tags:
        return f"tagged {KEEP_TAG}"
    if record.status.value not in RETIRED:
        return "not archived or deprecated"
    created = _parse(record.created_at)
    if created is None or created >= old_before:  # an unreadable date: keep
        return "registered recently"
    return None


def plan(store: Store, policy: Policy, now: Optional[float] = None, everywhere: bool = False) -> Plan:
    """What `gc` with this policy purges now (the dry run shows exactly this). `everywhere`: also
    objects no longer here (purged before), for a server store that may still hold them."""
    at = _dt.datetime.fromtimestamp(time.time() if now is None else now, _dt.timezone.utc)
    deployed_since = at - _dt.timedelta(days=policy.keep_deployed_days)
    old_before = at - _dt.timedelta(days=policy.purge_older_than_days)
    result = Plan(policy)
    candidates: list[tuple[ModelVersion, list[tuple[str, str, int]]]] = []
    kept_oids: set[str] = set()
    for model in model_names(store):
        try:
            snap = ModelSnapshot.load(store, model)
            ran = {snap.deployments[env].version for env in snap.deployments} - {None}
            for env in snap.deployments:
                ran |= recently_deployed(deployments.history(store, model, env), deployed_since, at)
            names = snap.versions_sorted()
            last = set(names[len(names) - policy.keep_last:]) if policy.keep_last else set()
            for version in names:
                record = snap.stored(version)
                items = stored_items(record)
                why = _kept_because(record, version in ran, version in last, old_before, policy)
                if why is None:
                    candidates.append((record, items))
                else:
                    kept_oids.update(oid for _, oid, _ in items)
                    if items:
                        result.kept[f"{model}:{version}"] = why
        except READ_ERRORS as exc:  # a model that cannot be read keeps everything it may use
            raise GitregError(f"gc stopped: {model} cannot be read ({exc}); nothing was purged") from None
    git_dir = store.git_dir()
    for record, items in candidates:
        for path, oid, size in items:
            here = lfs.has_object(git_dir, oid)
            if oid not in kept_oids and (here or everywhere):
                result.purges.append(Planned(record.model_name, record.version, path, oid, size, here))
    return result


def _by_version(purges: Iterable[Planned]) -> dict[tuple[str, str], list[Planned]]:
    out: dict[tuple[str, str], list[Planned]] = {}
    for p in purges:
        out.setdefault((p.model, p.version), []).append(p)
    return out


def run(store: Store, policy: Policy, dry_run: bool = False, now: Optional[float] = None,
        server: Optional[S3Store] = None) -> Plan:
    """Plan, then (unless dry_run) record each purge in its version's note and delete the bytes,
    from the local store and, given `server`, from the LFS server's S3 store."""
    result = plan(store, policy, now, everywhere=server is not None)
    result.server = None if server is None else str(server)
    if dry_run or not result.purges:
        return result
    when = time.time() if now is None else now
    sig = store.signature("committer", when)
    who = f"{sig.name} <{sig.email}>"
    stamp = mf.now_iso(when)
    for (model, version), files in _by_version(result.purges).items():
        entries = [{"sha256": p.sha256, "path": p.path, "size_bytes": p.size_bytes, "purged_at": stamp,
                    "purged_by": who, "reason": policy.reason()} for p in files]

        def change(note: dict[str, Any], entries: list[dict[str, Any]] = entries) -> dict[str, Any]:
            earlier = note.get("purged") if isinstance(note.get("purged"), list) else []
            known = {(e.get("sha256"), e.get("path")) for e in earlier if isinstance(e, dict)}
            new = [e for e in entries if (e["sha256"], e["path"]) not in known]
            return {**note, "purged": earlier + new} if new else note

        annotate_version(store, model, version, "purge", f"bytes of {len(files)} stored file(s) purged",
                         change, when=when)
    # Registered meanwhile with an identical file? Ask again which objects are still used.
    still_free = {q.sha256 for q in plan(store, policy, now, everywhere=True).purges}
    result.purges = [p for p in result.purges if p.sha256 in still_free]
    for oid in {p.sha256 for p in result.purges}:
        lfs.delete_object(store.git_dir(), oid)
    result.done = True
    if server is not None:
        result.server_deleted = server.delete(p.sha256 for p in result.purges)
    return result
