"""Pending records: pushes whose outcome nobody could learn, kept until the remote answers.

A synced write pushes before it moves the local refs. What it pushes is written down first
(gitreg.features.sync.sync: only a write's own push; local work pushed again is the same push), under
`refs/gitreg/pending/<remote>/<id>` (a blob of YAML naming the writing process), and deleted
once the outcome is known and the local refs have moved. So a record outlives its push only
when nobody learnt the outcome: the connection broke off and fetching again failed too, or
gitreg was killed meanwhile. The next synced write to those models, `pull` or `push` then
finds out first (gitreg.features.sync.sync), and a retried command recognises its own earlier work
(gitreg.features.sync.retries). A record whose writer is another live process is a push under way, and is
left alone.

The ref is private to this registry: pushes name only gitreg's four namespaces
(git/transport/remote.py), so it never reaches a remote, and no other clone can have it; that is
why it may be deleted once settled (DESIGN.md forbids deleting only refs another clone may
have). A record is read as untrusted input like everything else: bounded, validated, and one
bad record never stops the others from being read.
"""
from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Mapping, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import GitregError
from gitreg.git import gitcli
from gitreg.git.refs import layout, lockowner
from gitreg.git.refs.transaction import RefUpdate
from gitreg.git.repository import Store
from gitreg.git.transport.remote import HARD_LIMIT_FACTOR, model_of, timeout_seconds

PREFIX = layout.PENDING
SCHEMA = "gitreg-pending/1"
RECORD_LIMIT = 256 << 10  # a record lists the refs of one push: small
_HEX = re.compile(r"^[0-9a-f]{40}$")  # object ids as pygit2.Oid takes them
_GITREG_REF = (layout.HEADS, layout.TAGS, layout.DEPLOYED, layout.NOTES, layout.POLICY, layout.APPROVALS)


@dataclass(frozen=True)
class PushedRef:
    ref: str
    old: Optional[str]  # the remote's value as last fetched (hex); None: it had none
    new: str  # what was pushed (hex)


@dataclass(frozen=True)
class PendingRecord:
    """One push whose outcome is unknown."""

    name: str  # the ref that holds it
    blob: str  # the record's blob: it is dropped only while the ref still names it
    remote: str
    kind: str  # register | deploy | note | model (the write the push published)
    created_at: str
    cause: str  # why the outcome is unknown, as git said it ("" while the push is under way)
    refs: tuple[PushedRef, ...]
    writer: dict  # the process that pushed (lockowner.me())
    created: float  # epoch

    @property
    def models(self) -> frozenset[str]:
        return frozenset(model_of(r.ref) for r in self.refs)

    def new_of(self, ref: str) -> Optional[str]:
        return next((r.new for r in self.refs if r.ref == ref), None)


@dataclass(frozen=True)
class BadRecord:
    name: str
    blob: str
    problem: str


def prefix(remote: str) -> str:
    return f"{PREFIX}{remote}/"


def write(store: Store, remote: str, kind: str, pushed: Mapping[str, tuple[Optional[pygit2.Oid], pygit2.Oid]],
          cause: str) -> PendingRecord:
    """Record a push ({ref: (remote's old value, pushed value)}) whose outcome is unknown."""
    when = time.time()
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
    body = {
        "schema": SCHEMA, "remote": remote, "kind": kind, "created_at": created, "cause": cause,
        "created": when, "writer": lockowner.me(),
        "refs": {ref: {"old": None if old is None else str(old), "new": str(new)}
                 for ref, (old, new) in sorted(pushed.items())},
    }
    blob = store.repo.create_blob(yamlio.dump(body))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(when))
    name = f"{prefix(remote)}{stamp}-{os.getpid()}-{secrets.token_hex(4)}"
    store.update_refs([RefUpdate(name, None, blob)], f"gitreg: push to {remote} of unknown outcome",
                      publish=False)
    return _parse(name, str(blob), yamlio.dump(body))


def records(store: Store, remote: Optional[str] = None) -> tuple[list[PendingRecord], list[BadRecord]]:
    """Every pending record (of `remote`, or of all remotes), oldest first, and the unreadable ones."""
    good: list[PendingRecord] = []
    bad: list[BadRecord] = []
    for name, target in sorted(store.refs_under(PREFIX if remote is None else prefix(remote)).items()):
        try:
            record = _parse(name, str(target), store.read_blob(target, RECORD_LIMIT, "the record"))
            if remote is not None and record.remote != remote:
                raise GitregError(f"names remote {record.remote!r}, not {remote!r}")
            good.append(record)
        except GitregError as exc:
            bad.append(BadRecord(name, str(target), str(exc)))
    return good, bad


def _is_id(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX.match(value))


def _parse(name: str, blob: str, data: bytes) -> PendingRecord:
    d = yamlio.load_mapping(data, name, RECORD_LIMIT)
    if d.get("schema") != SCHEMA:
        raise GitregError(f"schema {d.get('schema')!r} is not {SCHEMA}")
    refs = d.get("refs")
    if not isinstance(refs, dict) or not refs:
        raise GitregError("no refs listed")
    pushed = []
    for ref, values in refs.items():
        if not isinstance(ref, str) or not ref.startswith(_GITREG_REF) or not isinstance(values, dict):
            raise GitregError(f"ref {ref!r} is not a gitreg ref with old and new values")
        old, new = values.get("old"), values.get("new")
        if not _is_id(new) or not (old is None or _is_id(old)):
            raise GitregError(f"{ref}: old/new are not object ids")
        pushed.append(PushedRef(ref, old, new))
    texts = {k: d.get(k) for k in ("remote", "kind", "created_at", "cause")}
    if not all(isinstance(v, str) for v in texts.values()):
        raise GitregError("remote, kind, created_at and cause must be text")
    writer, created = d.get("writer"), d.get("created")
    if not isinstance(writer, dict) or not isinstance(created, (int, float)) or isinstance(created, bool):
        raise GitregError("no writer or creation time")
    return PendingRecord(name, blob, texts["remote"], texts["kind"], texts["created_at"], texts["cause"],
                         tuple(pushed), writer, float(created))


def in_flight(store: Store, record: PendingRecord) -> bool:
    """Whether the record's push may still be under way: no outcome was recorded, its writer is
    another process, not provably gone, and the record is younger than any push may take (a writer on another host
    cannot be checked: its record waits out that bound)."""
    w = record.writer
    if record.cause:
        return False  # its writer learnt that the outcome is unknown: the push is over
    if w.get("pid") == os.getpid() and w.get("host") == lockowner.me()["host"]:
        return False  # this process: its pushes are done (one registry object writes at a time)
    longest = timeout_seconds(store.git_dir()) * HARD_LIMIT_FACTOR
    return time.time() - record.created < longest and not lockowner.gone(w)


def drop(store: Store, name: str, blob: str) -> bool:
    """Delete a settled record (compare-and-delete: only while it still names `blob`)."""
    done = gitcli.run(store.git_dir(), "update-ref", "-m", "gitreg: settled", "-d", name, blob)
    return done.returncode == 0


def drop_own(store: Store, record: PendingRecord) -> None:
    """Delete this process's record of a push whose outcome it learnt (no other process
    settles a live writer's record, so no compare is needed: the cheap path of every push)."""
    try:
        store.repo.references.delete(record.name)
    except (KeyError, pygit2.GitError):
        drop(store, record.name, record.blob)
