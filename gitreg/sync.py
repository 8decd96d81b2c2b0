"""A registry and its remotes in step: fetch, integrate ref by ref, push.

A remote's refs are fetched into a private mirror (storage.remote); integrating
them never moves a local ref backwards or sideways (DESIGN.md: history only
appends). Ref by ref:
- a ref only the remote has is created; one the remote has moved on is fast-forwarded;
- a ref ahead of the remote is local work to push;
- version tags are equal or a conflict (the same version registered on both sides);
- diverged notes are merged three-way, key by key, in a merge commit, so both
  sides' change logs stay in its history (a key both changed takes the remote's);
- a diverged model branch whose versions do not clash gets a merge commit, so
  every version of both sides stays reachable from it;
- diverged deployment histories are a conflict: their order matters.
A conflict leaves the local ref as it is and the remote's in the mirror, so
nothing is lost until the user chooses (`pull --take-remote`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import pygit2

from . import yamlio
from .errors import RemoteError, SyncConflictError
from .storage import layout
from .storage import remote as transport
from .storage.repository import Store
from .storage.transaction import RefConflict, RefUpdate, retrying
from .store import upload

SAVED = "refs/gitreg/saved/"
_PUSH_ATTEMPTS = 20


@dataclass(frozen=True)
class Conflict:
    ref: str
    local: str
    remote: str
    why: str


@dataclass
class Integration:
    """What a fetch from a remote did to (or found in) the local refs."""

    remote: str
    created: list[str] = field(default_factory=list)
    advanced: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    ahead: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    saved: dict[str, str] = field(default_factory=dict)  # ref -> where the local value was kept


@dataclass(frozen=True)
class PushReport:
    remote: str
    pushed: list[str]
    behind: list[str]  # the remote has more: pull first
    conflicts: list[Conflict]


def _local_refs(store: Store) -> dict[str, pygit2.Oid]:
    found: dict[str, pygit2.Oid] = {}
    for namespace in transport.NAMESPACES:
        found.update(store.refs_under(namespace))
    return found


def _remote_refs(store: Store, remote: str) -> dict[str, pygit2.Oid]:
    prefix = transport.mirror_prefix(remote)
    return {"refs/" + name[len(prefix):]: oid for name, oid in store.refs_under(prefix).items()}


def _model_of(ref: str) -> str:
    """The model a gitreg ref belongs to (refs/tags/<m>/<v>, refs/deployed/<env>/<m>, ...)."""
    if ref.startswith(layout.TAGS):
        return ref[len(layout.TAGS):].split("/", 1)[0]
    if ref.startswith(layout.DEPLOYED):
        return ref[len(layout.DEPLOYED):].split("/", 1)[-1]
    return ref.rsplit("/", 1)[-1]


def _short(oid: Optional[pygit2.Oid]) -> str:
    return str(oid)[:12] if oid is not None else "-"


def merge_mappings(base: Any, ours: Any, theirs: Any) -> Any:
    """Three-way merge of YAML values: a side's change wins over no change; both → theirs."""
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if isinstance(ours, dict) and isinstance(theirs, dict):
        base = base if isinstance(base, dict) else {}
        merged = {}
        for key in list(ours) + [k for k in theirs if k not in ours]:
            value = merge_mappings(base.get(key), ours.get(key), theirs.get(key))
            if value is not None or key in theirs and key in ours:
                merged[key] = value
        return merged
    return theirs


def _merge_notes(store: Store, ref: str, ours: pygit2.Oid, theirs: pygit2.Oid, remote: str) -> pygit2.Oid:
    base = store.merge_base(ours, theirs)
    base_map, our_map, their_map = store.notes_at(base), store.notes_at(ours), store.notes_at(theirs)
    changes: dict[str, bytes] = {}
    for obj in set(their_map) | set(our_map):
        o, t, b = our_map.get(obj), their_map.get(obj), base_map.get(obj)
        if t == o or t == b or t is None:
            continue
        if o == b or o is None:
            changes[obj] = store.read_blob(t)
            continue
        where = f"note on {obj[:12]} in {ref}"
        load = lambda oid: yamlio.load_mapping(store.read_blob(oid), where) if oid else {}  # noqa: E731
        changes[obj] = yamlio.dump(merge_mappings(load(b), load(o), load(t)))
    message = (f"gitreg: merge notes of {_model_of(ref)} from {remote}\n\n"
               f"Both sides changed notes; keys changed on both sides take {remote}'s value.\n")
    return store.write_notes_commit(ours, changes, message, time.time(), merged=theirs)


def _merge_branch(store: Store, ref: str, ours: pygit2.Oid, theirs: pygit2.Oid, remote: str) -> pygit2.Oid:
    message = (f"gitreg: merge {_model_of(ref)} from {remote}\n\n"
               "Versions were registered on both sides; this commit keeps all of them reachable.\n")
    return store.write_commit(store.commit(ours).tree.id, [ours, theirs], message, time.time(),
                              store.signer("commit"))  # merges are signed like every commit


def integrate(store: Store, remote: str, take_remote: bool = False) -> Integration:
    """Bring the mirrored refs of `remote` into the local ones (see the module docstring).

    With take_remote, a conflicting local ref is first kept under
    refs/gitreg/saved/<time>/... and then set to the remote's value: it was never
    published (the remote has something else), so no other clone has it.
    """
    ours, theirs = _local_refs(store), _remote_refs(store, remote)
    result = Integration(remote)
    forward: dict[str, pygit2.Oid] = {}
    clashing_models: set[str] = set()
    conflicts: list[tuple[str, str]] = []

    def order(ref: str) -> int:  # tags first: they decide whether a branch may be merged
        return 0 if ref.startswith(layout.TAGS) else 1

    for ref in sorted(set(ours) | set(theirs), key=lambda r: (order(r), r)):
        mine, other = ours.get(ref), theirs.get(ref)
        if other is None:
            result.ahead.append(ref)
            continue
        if mine is None:
            forward[ref] = other
            result.created.append(ref)
            continue
        relation = store.relation(mine, other)
        if relation == "equal":
            continue
        if relation == "behind":
            forward[ref] = other
            result.advanced.append(ref)
        elif relation == "ahead":
            result.ahead.append(ref)
        elif ref.startswith(layout.TAGS):
            clashing_models.add(_model_of(ref))
            conflicts.append((ref, "the same version was registered here and on the remote"))
        elif ref.startswith(layout.NOTES):
            forward[ref] = _merge_notes(store, ref, mine, other, remote)
            result.merged.append(ref)
        elif ref.startswith(layout.HEADS) and _model_of(ref) not in clashing_models \
                and store.merge_base(mine, other) is not None:
            forward[ref] = _merge_branch(store, ref, mine, other, remote)
            result.merged.append(ref)
        elif ref.startswith(layout.HEADS):
            why = ("its versions clash (see the version conflicts)" if _model_of(ref) in clashing_models
                   else "the model was created separately here and on the remote")
            conflicts.append((ref, why))
        else:
            conflicts.append((ref, "both sides deployed since they last synced"))

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    replace: list[RefUpdate] = []
    for ref, why in conflicts:
        if take_remote:
            kept = f"{SAVED}{stamp}/{ref[len('refs/'):]}"
            replace += [RefUpdate(kept, None, ours[ref]), RefUpdate(ref, ours[ref], theirs[ref])]
            result.saved[ref] = kept
        else:
            result.conflicts.append(Conflict(ref, _short(ours[ref]), _short(theirs[ref]), why))
    if replace:
        store.update_refs(replace, f"gitreg: pull --take-remote from {remote}", publish=False)
        for ref in result.saved:  # a model made separately on both sides now has the remote's root
            store.roots.pop(_model_of(ref), None)
    store.advance_refs(forward, f"gitreg: pull from {remote}")
    return result


def describe_conflicts(integration: Integration) -> str:
    lines = [f"local work conflicts with {integration.remote}; both sides are kept:"]
    for c in integration.conflicts:
        lines.append(f"  {c.ref}: here {c.local}, on {integration.remote} {c.remote}: {c.why}")
    lines.append(
        f"  the remote's side is at {transport.mirror_prefix(integration.remote)}<ref>; "
        f"'gitreg pull --take-remote' keeps yours under {SAVED}<time>/ and takes theirs, "
        "then register or deploy again"
    )
    return "\n".join(lines)


def pull(store: Store, remote: str, take_remote: bool = False) -> Integration:
    transport.fetch(store.git_dir(), remote)
    return retrying(lambda: integrate(store, remote, take_remote), f"pull from {remote}")


def _push_refs(store: Store, remote: str, refs: dict[str, pygit2.Oid]) -> None:
    upload.before_push(store, remote, refs)  # stored files first: no ref without its objects
    outcome = transport.push(store.git_dir(), remote, sorted((oid, ref) for ref, oid in refs.items()))
    if not outcome.rejected:
        return
    final = [r for r in outcome.rejected if not r.retryable]
    if final:
        said = "; ".join(outcome.remote_said)
        raise RemoteError(
            f"{remote} refused {final[0].ref}: {final[0].reason}" + (f" ({said})" if said else "")
        )
    raise RefConflict(outcome.rejected[0].ref)


def push(store: Store, remote: str) -> PushReport:
    """Publish every local gitreg ref the remote lacks or is behind on, in one atomic push."""
    for attempt in range(_PUSH_ATTEMPTS):
        transport.fetch(store.git_dir(), remote)
        ours, theirs = _local_refs(store), _remote_refs(store, remote)
        ahead, behind, conflicts = {}, [], []
        for ref, mine in sorted(ours.items()):
            other = theirs.get(ref)
            relation = "ahead" if other is None else store.relation(mine, other)
            if relation == "ahead":
                ahead[ref] = mine
            elif relation == "behind":
                behind.append(ref)
            elif relation == "diverged":
                conflicts.append(Conflict(ref, _short(mine), _short(other), "diverged: pull first"))
        try:
            _push_refs(store, remote, ahead)
        except RefConflict:
            time.sleep(0.05 * (attempt + 1))
            continue
        return PushReport(remote, sorted(ahead), behind, conflicts)
    raise RemoteError(f"{remote} kept changing during {_PUSH_ATTEMPTS} push attempts; try again")


def sync_in(store: Store, remote: str) -> None:
    """Before a write: take the remote's latest state, and publish local work it lacks.

    A conflict stops the write (nothing written): it needs the user's choice.
    """
    def attempt() -> None:
        transport.fetch(store.git_dir(), remote)
        integration = integrate(store, remote)
        if integration.conflicts:
            raise SyncConflictError(describe_conflicts(integration) + "; or write with --offline")
        local = _local_refs(store)
        _push_refs(store, remote, {ref: local[ref] for ref in integration.ahead + integration.merged})

    retrying(attempt, f"sync with {remote}")


def publisher(store: Store, remote: str) -> Callable[[Sequence[RefUpdate]], None]:
    """Store.publisher for sync-on-write: the remote takes a write before the local refs do.

    A refusal because the remote moved on fetches and integrates it, then raises
    RefConflict so the write is rebuilt on the new state (the next free version
    number, a note re-applied on the new tip, a deploy on the new history).
    """
    def publish(updates: Sequence[RefUpdate]) -> None:
        try:
            _push_refs(store, remote, {u.name: u.new for u in updates})
        except RefConflict:
            transport.fetch(store.git_dir(), remote)
            integration = integrate(store, remote)
            if integration.conflicts:
                raise SyncConflictError(describe_conflicts(integration)) from None
            raise

    return publish
