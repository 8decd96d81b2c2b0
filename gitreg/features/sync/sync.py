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

A remote that went backwards is not a conflict: a ref of the mirror (the remote as last
fetched, or as last pushed to) that the remote rewound, deleted or, for a tag, moved is
rewritten history. Every fetch that takes something in checks for it first (`fetch`):
nothing is integrated, the mirror keeps the last state seen (the alarm stands on the next
pull too), and the error names each ref with its old and new value.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Mapping, Optional, Sequence

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import GitregError, RemoteError, RemoteWentBackwardsError, SyncConflictError
from gitreg.features.artifacts import upload
from gitreg.git.refs import layout, lockowner
from gitreg.git.refs.transaction import RefConflict, RefUpdate, retrying
from gitreg.git.repository import Store
from gitreg.git.transport import pending, remotelocks
from gitreg.git.transport import remote as transport
from gitreg.model import hostile

SAVED = "refs/gitreg/saved/"
_PUSH_ATTEMPTS = 20
_SETTLE_PAUSES = (1.0, 0.0)  # fetches (and the pause after each) to learn a lost push's outcome
_COMPLETE_ATTEMPTS = 4  # pushes of the rest of a push that arrived in part


@dataclass(frozen=True)
class Conflict:
    ref: str
    local: str
    remote: str
    why: str

    @property
    def model(self) -> str:
        """The model whose ref this is (conflicts are per model)."""
        return _model_of(self.ref)


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
    hostile: list[hostile.HostileRef] = field(default_factory=list)  # the remote's refs not taken in
    settled: list["Settled"] = field(default_factory=list)  # earlier pushes of unknown outcome, now known

    def describe(self) -> str:
        """The conflicts in words: what differs, where the remote's side is, how to choose."""
        lines = [f"local work conflicts with {self.remote}; both sides are kept:"]
        for c in self.conflicts:
            lines.append(f"  {c.ref}: here {c.local}, on {self.remote} {c.remote}: {c.why}")
        models = sorted({c.model for c in self.conflicts})
        only = f" --model {models[0]}" if len(models) == 1 else ""
        lines.append(
            f"  the remote's side is at {transport.mirror_prefix(self.remote)}<ref>; "
            f"'gitreg pull --take-remote{only}' keeps yours under {SAVED}<time>/ and takes theirs, "
            "then register or deploy again"
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class PushReport:
    remote: str
    pushed: list[str]
    behind: list[str]  # the remote has more: pull first
    conflicts: list[Conflict]
    settled: list["Settled"] = field(default_factory=list)  # earlier pushes of unknown outcome, now known


def _local_refs(store: Store, scope: transport.Scope = transport.Scope()) -> dict[str, pygit2.Oid]:
    """The registry's own gitreg refs in scope: a model's are read by name, never by listing all."""
    found: dict[str, pygit2.Oid] = {}
    for ref in transport.SINGLE:
        target = store.ref_target(ref)
        if target is not None:
            found[ref] = target
    if scope.models is None:
        for namespace in transport.NAMESPACES:
            found.update(store.refs_under(namespace))
        return found
    for model in scope.models:
        for ref in (layout.branch_ref(model), layout.notes_ref(model), layout.approvals_ref(model)):
            target = store.ref_target(ref)
            if target is not None:
                found[ref] = target
        found.update(store.refs_under(layout.tag_prefix(model)))
    found.update({ref: oid for ref, oid in _deployed(store, "refs/", scope).items()})
    return found


def _deployed(store: Store, base: str, scope: transport.Scope) -> dict[str, pygit2.Oid]:
    """Deployment refs below base + 'deployed/' of the models in scope, as refs/deployed/... names."""
    prefix = base + layout.DEPLOYED[len("refs/"):]
    names = store.ref_names_under(prefix)  # <env>/<model>: as many as deployments, not versions
    out = {}
    for name in names:
        ref = layout.DEPLOYED + name
        if scope.covers(ref):
            target = store.ref_target(prefix + name)
            if target is not None:
                out[ref] = target
    return out


def _remote_refs(store: Store, remote: str, scope: transport.Scope = transport.Scope()) -> dict[str, pygit2.Oid]:
    """The mirror of `remote`'s refs in scope, under their names on the remote."""
    prefix = transport.mirror_prefix(remote)
    if scope.models is None:
        return {"refs/" + name[len(prefix):]: oid for name, oid in store.refs_under(prefix).items()}
    found: dict[str, pygit2.Oid] = {}
    for ref in transport.SINGLE:
        target = store.ref_target(transport.mirrored(remote, ref))
        if target is not None:
            found[ref] = target
    for model in scope.models:
        for ref in (layout.branch_ref(model), layout.notes_ref(model), layout.approvals_ref(model)):
            target = store.ref_target(transport.mirrored(remote, ref))
            if target is not None:
                found[ref] = target
        cut = len(prefix)
        found.update({"refs/" + name[cut:]: oid for name, oid in
                      store.refs_under(transport.mirrored(remote, layout.tag_prefix(model))).items()})
    found.update(_deployed(store, prefix, scope))
    return found


_model_of = transport.model_of


def _short(oid: Optional[pygit2.Oid]) -> str:
    return str(oid)[:12] if oid is not None else "-"


@dataclass(frozen=True)
class Rewrite:
    """A ref the remote moved backwards since it was last seen: rewound, deleted or moved."""

    ref: str
    old: pygit2.Oid
    new: Optional[pygit2.Oid]
    what: str


def rewrites(store: Store, before: Mapping[str, pygit2.Oid], after: Mapping[str, pygit2.Oid]) -> list[Rewrite]:
    """The refs of `before` that `after` does not hold or build on (a tag: does not hold)."""
    found = []
    for ref, old in sorted(before.items()):
        new = after.get(ref)
        if new == old:
            continue
        if new is None:
            found.append(Rewrite(ref, old, None, "deleted"))
        elif ref.startswith(layout.TAGS):
            found.append(Rewrite(ref, old, new, "moved (a version tag never moves)"))
        else:
            relation = store.relation(old, new)
            if relation != "behind":
                what = "rewound" if relation == "ahead" else "replaced by unrelated history"
                found.append(Rewrite(ref, old, new, what))
    return found


def describe_rewrites(remote: str, found: Sequence[Rewrite]) -> str:
    lines = [f"ALARM: {remote} went backwards: its history was rewritten since it was last seen here. "
             "Nothing was taken in; the local history is kept:"]
    lines += [f"  {r.ref}: was {_short(r.old)}, now {_short(r.new)}: {r.what}" for r in found]
    if any(r.new is None or not r.ref.startswith(layout.TAGS) for r in found):
        lines.append(f"  'gitreg push {remote}' puts rewound or deleted refs back from this registry's history")
    if any(r.new is not None and r.ref.startswith(layout.TAGS) for r in found):
        lines.append(f"  a moved tag is not put back by gitreg: whoever administers {remote} must restore it "
                     "(its old value is here)")
    return "\n".join(lines)


def fetch(store: Store, remote: str, scope: transport.Scope = transport.Scope()) -> None:
    """Fetch `scope` into the mirror, refusing a remote that went backwards (module docstring).

    The refs it rewrote are set back in the mirror (ours alone) before the alarm is raised."""
    before = _remote_refs(store, remote, scope)
    transport.fetch(store.git_dir(), remote, scope)
    found = rewrites(store, before, _remote_refs(store, remote, scope))
    if not found:
        return
    back = [RefUpdate(transport.mirrored(remote, r.ref), r.new, r.old) for r in found]
    try:
        store.update_refs(back, f"gitreg: keep {remote}'s history as last seen", publish=False)
    except RefConflict:  # another process fetched meanwhile: it raises the same alarm
        pass
    raise RemoteWentBackwardsError(describe_rewrites(remote, found))


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


def _on_branch(store: Store, tip: Optional[pygit2.Oid], tag: pygit2.Oid) -> bool:
    """Whether the version commit of `tag` is on the branch at `tip` (the remote had it)."""
    if tip is None:
        return False
    try:
        commit = store.commit(tag).id
    except GitregError:
        return False
    return tip == commit or store.repo.descendant_of(tip, commit)


def _merge_branch(store: Store, ref: str, ours: pygit2.Oid, theirs: pygit2.Oid, remote: str) -> pygit2.Oid:
    message = (f"gitreg: merge {_model_of(ref)} from {remote}\n\n"
               "Versions were registered on both sides; this commit keeps all of them reachable.\n")
    return store.write_commit(store.commit(ours).tree.id, [ours, theirs], message, time.time(),
                              store.signer("commit"))  # merges are signed like every commit


def integrate(store: Store, remote: str, take_remote: bool = False,
              scope: transport.Scope = transport.Scope()) -> Integration:
    """Bring the mirrored refs of `remote` in `scope` into the local ones (see the module docstring).

    With take_remote, a conflicting local ref is first kept under
    refs/gitreg/saved/<time>/... and then set to the remote's value: it was never
    published (the remote has something else), so no other clone has it.
    Refs outside `scope` are neither read nor touched: a conflict in one model
    never stops work on another.
    """
    ours, theirs = _local_refs(store, scope), _remote_refs(store, remote, scope)
    result = Integration(remote)
    result.hostile = _hostile(store, theirs, ours)
    refused = {h.ref for h in result.hostile}
    forward: dict[str, pygit2.Oid] = {}
    clashing_models: set[str] = set()
    conflicts: list[tuple[str, str]] = []
    moved: list[Rewrite] = []  # a tag whose version commit the remote's branch holds, moved there

    def order(ref: str) -> int:  # tags first: they decide whether a branch may be merged
        return 0 if ref.startswith(layout.TAGS) else 1

    for ref in sorted(set(ours) | set(theirs), key=lambda r: (order(r), r)):
        mine, other = ours.get(ref), theirs.get(ref)
        if ref in refused:
            continue
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
        elif ref.startswith(layout.TAGS) and _on_branch(store, theirs.get(layout.branch_ref(_model_of(ref))), mine):
            moved.append(Rewrite(ref, mine, other, "moved (a version tag never moves)"))
        elif ref.startswith(layout.TAGS):
            clashing_models.add(_model_of(ref))
            conflicts.append((ref, "the same version was registered here and, separately, on the remote"))
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
        elif ref.startswith(layout.DEPLOYED):
            conflicts.append((ref, "both sides deployed since they last synced"))
        else:
            conflicts.append((ref, "both sides changed it since they last synced"))

    if moved:  # published here before the mirror learned it (fetch() catches the rest)
        raise RemoteWentBackwardsError(describe_rewrites(remote, moved))
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
    # A conflicting model's other refs wait with it: a tag the remote has must not come in
    # beside a local branch that does not contain it.
    held = {_model_of(c.ref) for c in result.conflicts}
    store.advance_refs({r: oid for r, oid in forward.items() if _model_of(r) not in held},
                       f"gitreg: pull from {remote}")
    return result


def _hostile(store: Store, going: Mapping[str, pygit2.Oid],
             other: Mapping[str, pygit2.Oid]) -> list[hostile.HostileRef]:
    """The refs of `going` that would move `other`'s and that no gitreg write makes
    (gitreg/model/hostile.py): a pull never takes them in, a push never spreads them.
    O(refs that differ), plus one pass over names."""
    differ = {ref: oid for ref, oid in going.items() if other.get(ref) != oid}
    return hostile.scan(store, differ, known=set(going) | set(other), deep=True)


def pull(store: Store, remote: str, take_remote: bool = False,
         scope: transport.Scope = transport.Scope()) -> Integration:
    waiting = pending_in(store, remote, scope)
    _fetch_settling(store, remote, scope, waiting)
    settled = settle(store, remote, waiting)
    result = retrying(lambda: integrate(store, remote, take_remote, scope), f"pull from {remote}")
    result.settled = settled
    hostile.note_problems(store, [hostile.HostileRef(h.ref, f"on {remote}, not taken in: {h.why}")
                                  for h in result.hostile])
    drop_settled(store, settled)  # what came in is here now: nothing left to recognise
    store.pack_refs_if_needed()
    return result


def before_push(store: Store, remote: str, refs: Mapping[str, pygit2.Oid]) -> None:
    """Called once before `refs` ({ref: new target}) are pushed to `remote`, whatever the
    command: the one place for work the remote needs first: stored files are uploaded, so
    that no ref reaches the remote without its LFS objects."""
    upload.before_push(store, remote, refs)


def _scope_of(refs: Iterable[str]) -> transport.Scope:
    return transport.Scope.of({_model_of(ref) for ref in refs})


def _push_refs(store: Store, remote: str, refs: Mapping[str, pygit2.Oid],
               exclude: Optional[Collection[str]] = None, recorded: bool = False) -> Optional[pending.PendingRecord]:
    """Push `refs` in one atomic push; resolve a push whose outcome is unknown.

    A broken conversation (not a refusal) is followed by a fetch of those refs: when the
    remote holds what was pushed, the push succeeded. Only when that fetch fails too is
    the outcome unknown. `recorded` (a write's push, which a retry would build anew): the
    push is recorded as pending first (git/transport/pending.py), so that the outcome unknown,
    or a gitreg killed meanwhile, leaves the record for the next sync to settle; it is
    returned on success, for deletion once the local refs have moved. Other pushes (local
    work the remote lacks) are the same objects when retried: nothing to record.
    `exclude`: local refs that must not go (see transport.push).
    """
    if not refs:
        return None
    before_push(store, remote, refs)
    seen = _as_last_seen(store, remote, refs)
    record = None
    if recorded:
        record = pending.write(store, remote, _kind(refs), {r: (seen[r], oid) for r, oid in refs.items()}, "")
    try:
        outcome = transport.push(store.git_dir(), remote, sorted((oid, ref) for ref, oid in refs.items()), exclude)
    except transport.TransportError as broken:
        _settle_unknown(store, remote, refs, broken, record)
        return record
    except (GitregError, RefConflict):  # git could not run, or a ref moved after the plan: nothing went
        _drop(store, record)
        raise
    if outcome.rejected:
        _drop(store, record)  # refused: nothing was published
        final = [r for r in outcome.rejected if not r.retryable]
        if final:
            said = "; ".join(outcome.remote_said)
            raise RemoteError(
                f"{remote} refused {final[0].ref}: {final[0].reason}" + (f" ({said})" if said else "")
            )
        _locked_on_remote(store, remote, refs, outcome.remote_said)
        raise RefConflict(outcome.rejected[0].ref)
    # the mirror learns what the remote took, so that a later rewrite of it is seen as one
    transport.record_pushed(store.git_dir(), remote, {r: (seen[r], oid) for r, oid in refs.items()})
    return record


def _as_last_seen(store: Store, remote: str, refs: Collection[str]) -> dict[str, Optional[pygit2.Oid]]:
    """{ref: the mirror's value} (None: not there): a lookup each for a few, one scan for many."""
    if len(refs) <= transport.EXPLICIT_MAX:
        return {ref: store.ref_target(transport.mirrored(remote, ref)) for ref in refs}
    mirror = _remote_refs(store, remote)
    return {ref: mirror.get(ref) for ref in refs}


def _locked_on_remote(store: Store, remote: str, refs: Mapping[str, pygit2.Oid], said: Sequence[str]) -> None:
    """A push refused because a ref's lock file exists on a remote on this machine: a stale
    lock holding what this push sets is completed (a killed receive-pack's unfinished commit,
    remotelocks.py) and the push retried; another stale one is named, never retried for
    minutes. A lock that may be live, or a remote elsewhere, is retried like any busy ref."""
    locked = remotelocks.locked_refs(said)
    gitdir = remotelocks.local_gitdir(transport.remotes(store.repo).get(remote)) if locked else None
    if gitdir is None:
        return
    for ref in locked:
        if ref in refs and remotelocks.complete_if_same(gitdir, ref, str(refs[ref])):
            continue
        lock = remotelocks.stale(gitdir, ref)
        if lock is not None:
            raise RemoteError(
                f"{remote} has a lock file left by a git that was killed: {lock.path} ({lock.age:.0f} s old); "
                f"if nothing is pushing to {remote}, 'gitreg doctor --repair' completes or removes it"
            )


def _complete(store: Store, remote: str, record: pending.PendingRecord, missing: Sequence[pending.PushedRef]) -> None:
    """A write's push that reached `remote` in part (its receive-pack died between renaming one
    ref lock and the next: remotelocks.py): push the rest, the same objects, so the version is
    whole there. A missing ref the remote has with another value cannot be completed: say so."""
    scope = transport.Scope.of(record.models)
    theirs = _remote_refs(store, remote, scope)
    moved = [r.ref for r in missing if theirs.get(r.ref) is not None]
    if moved:
        raise RemoteError(
            f"a {record.kind} pushed to {remote} at {record.created_at} arrived only in part, and {moved[0]} "
            f"has changed there since; run 'gitreg doctor' on {remote}"
        )
    rest = {r.ref: pygit2.Oid(hex=r.new) for r in missing}
    for attempt in range(_COMPLETE_ATTEMPTS):  # a few: a refusal that lasts is a lock left there
        try:
            _push_refs(store, remote, rest)
            break
        except RefConflict:
            time.sleep(0.2 * (attempt + 1))
    else:
        first = sorted(rest)[0]
        raise RemoteError(
            f"a {record.kind} pushed to {remote} at {record.created_at} arrived only in part, and {remote} "
            f"keeps refusing the rest ({first}): a lock file left there ({first}.lock) by a killed push? "
            "Whoever runs it can remove that file; then run the command again (it completes the push)"
        )
    transport.fetch(store.git_dir(), remote, scope)


def _drop(store: Store, record: Optional[pending.PendingRecord]) -> None:
    if record is not None:
        pending.drop_own(store, record)


def _kind(refs: Iterable[str]) -> str:
    """What a push of these refs was for (a pending record's `kind`)."""
    refs = list(refs)
    for prefix, kind in ((layout.TAGS, "register"), (layout.DEPLOYED, "deploy"), (layout.NOTES, "note")):
        if any(r.startswith(prefix) for r in refs):
            return kind
    return "model"


def _arrived(store: Store, theirs: Optional[pygit2.Oid], pushed: pygit2.Oid) -> bool:
    """Whether the remote's value of a ref holds what was pushed: that value itself, or a
    commit built on it (another clone wrote on top since; it could only have had it from there)."""
    return theirs is not None and store.relation(pushed, theirs) in ("equal", "behind")


def _settle_unknown(store: Store, remote: str, pushed: Mapping[str, pygit2.Oid],
                    broken: transport.TransportError, record: Optional[pending.PendingRecord]) -> None:
    """Returns when the broken-off push arrived; raises otherwise, keeping `record` (with
    git's cause) only when the remote could not be asked."""
    scope = _scope_of(pushed)
    for attempt, pause in enumerate(_SETTLE_PAUSES):  # a blip may pass: a few looks, bounded
        try:
            transport.fetch(store.git_dir(), remote, scope)
            break
        except transport.TransportError as exc:
            again = exc
            if attempt + 1 < len(_SETTLE_PAUSES):
                time.sleep(pause)
    else:
        lost = f"the connection to {remote} broke off while pushing ({broken.cause}) and fetching again " \
            f"failed ({again.cause}): {remote} may or may not have it. Nothing changed here"
        if record is None:  # local work: pushing it again sends the same objects
            raise RemoteError(f"{lost}; pushing it again is safe") from None
        pending.write(store, remote, record.kind, {r.ref: (None if r.old is None else pygit2.Oid(hex=r.old),
                                                         pygit2.Oid(hex=r.new)) for r in record.refs},
                      broken.cause)  # the outcome is unknown now, not under way: anyone may settle it
        pending.drop_own(store, record)
        models = ", ".join(sorted({_model_of(r) for r in pushed}))
        raise RemoteError(
            f"{lost}; the next write to {models}, pull or push asks {remote} first, so running the "
            "same command again never writes it twice"
        ) from None
    theirs = _remote_refs(store, remote, scope)
    arrived = {ref: _arrived(store, theirs.get(ref), oid) for ref, oid in pushed.items()}
    if all(arrived.values()):
        return  # it arrived: the server committed before the connection died
    if record is not None and any(arrived.values()):  # in part: the rest goes now
        _complete(store, remote, record, [r for r in record.refs if not arrived[r.ref]])
        return
    _drop(store, record)
    raise RemoteError(f"{broken} (nothing was published; nothing changed here)") from None


# -- pending records: pushes whose outcome is unknown (git/transport/pending.py) -------------------
@dataclass(frozen=True)
class Settled:
    """A pending record, and what the remote said about it once it could be asked."""

    record: pending.PendingRecord
    published: bool


def pending_in(store: Store, remote: str, scope: transport.Scope) -> list[pending.PendingRecord]:
    """The readable pending records of `remote` touching a model in `scope`."""
    lockowner.break_stale_under(store.git_dir(), pending.prefix(remote))  # a killed writer's record lock
    found, _bad = pending.records(store, remote)  # the doctor reports bad ones
    return [r for r in found if (scope.models is None or r.models & scope.models)
            and not pending.in_flight(store, r)]  # another process's push under way: its own


def _fetch_settling(store: Store, remote: str, scope: transport.Scope,
                    waiting: Sequence[pending.PendingRecord], checked: bool = True) -> None:
    """Fetch `scope`, widened to every model of the records waiting; with records waiting, a
    failure says so (nothing may be written before their outcome is known). `checked`: a
    remote that went backwards is an alarm (push alone takes nothing in, and may put back)."""
    if waiting and scope.models is not None:
        scope = transport.Scope.of(scope.models.union(*(r.models for r in waiting)))
    try:
        if checked:
            fetch(store, remote, scope)
        else:
            transport.fetch(store.git_dir(), remote, scope)
    except transport.TransportError as exc:
        if not waiting:
            raise
        raise RemoteError(
            f"{remote} is unreachable ({exc.cause}), and an earlier write to "
            f"{', '.join(sorted(set().union(*(r.models for r in waiting))))} may or may not have reached it: "
            "nothing written; try again when it answers"
        ) from None


def settle(store: Store, remote: str, waiting: Sequence[pending.PendingRecord]) -> list[Settled]:
    """After a fetch that covered them: which waiting pushes reached `remote`. One that did not
    is dropped at once (it was never published: the retry writes it anew); one that did is
    kept until the caller has used it (drop_settled), so a retry killed meanwhile still finds it."""
    out = []
    for record in waiting:
        theirs = {r.ref: store.ref_target(transport.mirrored(remote, r.ref)) for r in record.refs}
        # (an object missing here compares as diverged unless equal: not arrived)
        arrived = [r for r in record.refs if _arrived(store, theirs[r.ref], pygit2.Oid(hex=r.new))]
        if arrived and len(arrived) < len(record.refs):  # published in part: never leave it half
            _complete(store, remote, record, [r for r in record.refs if r not in arrived])
        published = bool(arrived)
        out.append(Settled(record, published))
        if not published:
            pending.drop(store, record.name, record.blob)
    return out


def settle_now(store: Store, record: pending.PendingRecord) -> Settled:
    """Ask the remote about one pending record now (`doctor --repair`): what reached it comes in
    (as a pull of those models would take it), and the record goes."""
    scope = transport.Scope.of(record.models)
    _fetch_settling(store, record.remote, scope, [record])
    settled = settle(store, record.remote, [record])
    if settled[0].published:
        retrying(lambda: integrate(store, record.remote, scope=scope), f"pull from {record.remote}")
    drop_settled(store, settled)
    return settled[0]


def drop_settled(store: Store, settled: Iterable[Settled]) -> None:
    for s in settled:
        if s.published:
            pending.drop(store, s.record.name, s.record.blob)


@dataclass(frozen=True)
class _Outgoing:
    ahead: dict[str, pygit2.Oid]
    behind: list[str]
    conflicts: list[Conflict]


def _outgoing(store: Store, ours: Mapping[str, pygit2.Oid], theirs: Mapping[str, pygit2.Oid]) -> _Outgoing:
    """What a push may send: whole models only. A model with any diverged ref, or a version
    whose commit would not be on the remote's branch after the push, sends nothing."""
    ahead: dict[str, pygit2.Oid] = {}
    behind: list[str] = []
    conflicts: list[Conflict] = []
    by_model: dict[str, dict[str, pygit2.Oid]] = {}
    for ref, mine in sorted(ours.items()):
        other = theirs.get(ref)
        relation = "ahead" if other is None else store.relation(mine, other)
        if relation == "ahead":
            by_model.setdefault(_model_of(ref), {})[ref] = mine
        elif relation == "behind":
            behind.append(ref)
        elif relation == "diverged":
            conflicts.append(Conflict(ref, _short(mine), _short(other), "diverged: pull first"))
    blocked = {_model_of(c.ref) for c in conflicts}
    for model, refs in by_model.items():
        if model in blocked:
            conflicts += [Conflict(ref, _short(oid), _short(theirs.get(ref)),
                                   "held back: another ref of this model diverged")
                          for ref, oid in refs.items()]
            continue
        branch = layout.branch_ref(model)
        tip = refs.get(branch) or theirs.get(branch)
        on_branch = store.reachable(tip) if any(r.startswith(layout.TAGS) for r in refs) else set()
        loose = [r for r in refs if r.startswith(layout.TAGS) and store.commit(refs[r]).id not in on_branch]
        if loose:
            conflicts += [Conflict(r, _short(refs[r]), "-", "its commit is not on the model's branch: pull first")
                          for r in loose]
            continue
        ahead.update(refs)
    return _Outgoing(ahead, behind, sorted(conflicts, key=lambda c: c.ref))


def push(store: Store, remote: str, scope: transport.Scope = transport.Scope()) -> PushReport:
    """Publish every local gitreg ref the remote lacks or is behind on, whole models at a time;
    a model whose refs diverged from the remote's is reported and left out entirely."""
    waiting = pending_in(store, remote, scope)
    settled: list[Settled] = []
    for attempt in range(_PUSH_ATTEMPTS):
        _fetch_settling(store, remote, scope, waiting, checked=False)
        settled += settle(store, remote, waiting)  # a published one is kept: push takes nothing in,
        waiting = []  # so the next write (which may be a retry of it) or pull still finds it
        ours, theirs = _local_refs(store, scope), _remote_refs(store, remote, scope)
        kept = {h.ref: h for h in _hostile(store, ours, theirs)}  # a clone has its remote's: never spread
        hostile.note_problems(store, [hostile.HostileRef(r, f"not pushed to {remote}: {h.why}")
                                      for r, h in kept.items()])
        plan = _outgoing(store, {r: oid for r, oid in ours.items() if r not in kept}, theirs)
        # Namespace wildcards need every differing local ref excluded: known only for a full push.
        others = None if scope.models is not None else \
            [r for r, oid in ours.items() if r not in plan.ahead and theirs.get(r) != oid]
        try:
            _push_refs(store, remote, plan.ahead, others)
        except RefConflict:
            time.sleep(0.05 * (attempt + 1))
            continue
        store.pack_refs_if_needed()
        return PushReport(remote, sorted(plan.ahead), plan.behind, plan.conflicts, settled)
    raise RemoteError(f"{remote} kept changing during {_PUSH_ATTEMPTS} push attempts; try again")


def sync_in(store: Store, remote: str, scope: transport.Scope = transport.Scope()) -> list[Settled]:
    """Before a write: take the remote's latest state of the refs in `scope` (the models the
    write touches), and publish local work of theirs it lacks.

    Earlier pushes of unknown outcome to those models are settled first (a published one
    comes in with the rest); the published ones are returned, still recorded, so that
    the write can recognise a retry of itself (gitreg.features.sync.retries) and then drop them
    (drop_settled). A conflict in scope stops the write (nothing written): it needs the
    user's choice.
    """
    waiting = pending_in(store, remote, scope)
    published: list[Settled] = []

    def attempt() -> None:
        nonlocal waiting
        _fetch_settling(store, remote, scope, waiting)
        published.extend(s for s in settle(store, remote, waiting) if s.published)
        waiting = []
        integration = integrate(store, remote, scope=scope)
        if integration.conflicts:
            raise SyncConflictError(integration.describe() + "; or write with --offline")
        local = _local_refs(store, scope)
        _push_refs(store, remote, {ref: local[ref] for ref in integration.ahead + integration.merged})

    retrying(attempt, f"sync with {remote}")
    return published


# -- taking turns on a contended model --------------------------------------------------------
# Writers in other clones learn of each other only by refusals. Left alone, every refused writer
# retries at once, and the one that just won starts its next write at once too: each round is a
# lottery, a writer can lose a dozen in a row (p95 >> p50), and the herd of refused pushes makes
# every round slower. So the pause after a refusal shrinks with the refusals this write has had
# (the longest waiting retries first), and a process that saw its model contended lately pauses up
# to a round before the first push of its next write (the winner does not win again by default).
_TURN_ROUNDS = 4  # refusals after which a write retries with no pause
_CONTENDED_FOR = 10.0  # rounds a model counts as contended in this process after a refusal
_ROUND_MAX = 2.0  # seconds: a round (one push and the fetch after it) is measured, and capped here
_contended: dict[tuple[str, str, str], tuple[float, float]] = {}  # (git dir, remote, model): (until, round)


def _note_contended(key: tuple[str, str, str], round_seconds: float) -> None:
    seconds = min(round_seconds, _ROUND_MAX)
    _contended[key] = (time.monotonic() + _CONTENDED_FOR * seconds, seconds)


def _pause_for_turn(keys: Sequence[tuple[str, str, str]], refusals: int) -> None:
    """Sleep before a push to a contended model: up to one round for a fresh write, up to
    (_TURN_ROUNDS - refusals) / 2 rounds after a refusal (none after _TURN_ROUNDS)."""
    now = time.monotonic()
    rounds = [r for until, r in (_contended.get(k, (0.0, 0.0)) for k in keys) if until > now]
    if not rounds:
        return
    share = 1.0 if refusals == 0 else max(0.0, (_TURN_ROUNDS - refusals) / 2)  # in rounds, at most
    if share:  # drawn from 0: the first to go has no pause, so no round is left idle
        time.sleep(random.uniform(0.0, 1.0) * share * max(rounds))


def publisher(store: Store, remote: str) -> Callable[[Sequence[RefUpdate]], Optional[Callable[[], None]]]:
    """Store.publisher for sync-on-write: the remote takes a write before the local refs do.

    It returns what to call once the local refs have moved: the push's pending record goes
    then, so a gitreg killed between the push and the local move leaves it to be settled
    (and the retry recognised). A refusal because the remote moved on fetches and integrates the written models,
    then raises RefConflict so the write is rebuilt on the new state (the next free
    version number, a note re-applied on the new tip, a deploy on the new history).
    Contended writers take turns (see _pause_for_turn).
    """
    refusals = 0

    def publish(updates: Sequence[RefUpdate]) -> Optional[Callable[[], None]]:
        nonlocal refusals
        keys = [(str(store.git_dir()), remote, m) for m in sorted({_model_of(u.name) for u in updates})]
        if refusals == 0:
            _pause_for_turn(keys, 0)
        began = time.monotonic()
        try:
            record = _push_refs(store, remote, {u.name: u.new for u in updates}, recorded=True)
        except RefConflict as conflict:
            scope = _scope_of(u.name for u in updates)
            fetch(store, remote, scope)  # only the written models
            integration = integrate(store, remote, scope=scope)
            if integration.conflicts:
                raise SyncConflictError(integration.describe()) from None
            refusals += 1
            for key in keys:
                _note_contended(key, time.monotonic() - began)
            _pause_for_turn(keys, refusals)
            conflict.waited = True
            raise
        return None if record is None else (lambda: pending.drop_own(store, record))

    return publish
