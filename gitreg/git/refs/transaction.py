"""Compare-and-swap ref updates, and the retry loop around them.

libgit2's create-if-absent and create_note lose races (a second writer silently
overwrites the first). Here every ref we change is locked first (git's own
`<ref>.lock` file, taken with O_EXCL), re-read under the lock and compared with
the value the caller built on; only then are they moved, in the caller's order. A
writer killed midway leaves its locks with an owner record (lockowner.py), and the next
writer rolls its moves forward or discards them (finish_interrupted).
"""
from __future__ import annotations

import contextlib
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional, Sequence, TypeVar

import pygit2
import pygit2.enums
import pygit2.transaction

from gitreg.core.errors import ConcurrentUpdateError, ResourceLimitError
from gitreg.git import config as gitconfig
from gitreg.git.refs import lockowner

T = TypeVar("T")

RETRY_SECONDS = 120.0
STALE_LOCK_SECONDS = 10.0  # writers hold a ref lock for milliseconds
_BASE_DELAY = 0.002
_MAX_DELAY = 0.1
# Refs locked at once when moving many that need no atomicity between them (integrating
# a fetch): libgit2 keeps each `<ref>.lock` open until commit, and `ulimit -n` is 256 on macOS.
ADVANCE_BATCH = 64


@dataclass(frozen=True)
class RefUpdate:
    name: str
    old: Optional[pygit2.Oid]  # None: the ref must not exist yet
    new: pygit2.Oid


class RefConflict(Exception):
    """A ref moved (or was locked) under us; the caller rebuilds on fresh state."""

    def __init__(self, ref: str, lock_file: Optional[Path] = None) -> None:
        super().__init__(ref)
        self.ref = ref
        self.lock_file = lock_file  # set when another writer held the ref's lock
        self.waited = False  # the raiser already paused for its turn (sync.publisher): retry at once

    def stale_lock_age(self) -> Optional[float]:
        """Seconds the lock file has existed, when that is longer than any writer holds one."""
        if self.lock_file is None:
            return None
        try:
            age = time.time() - self.lock_file.stat().st_mtime
        except OSError:  # released meanwhile
            return None
        return age if age > STALE_LOCK_SECONDS else None


def _target(repo: pygit2.Repository, name: str) -> Optional[pygit2.Oid]:
    try:
        return repo.references[name].target
    except KeyError:
        return None


def _lock(repo: pygit2.Repository, txn: pygit2.transaction.ReferenceTransaction, name: str,
          owner: lockowner.Owner) -> None:
    """Lock one ref; a lock a dead gitreg process left is broken first (lockowner.py)."""
    try:
        txn.lock_ref(name)
    except pygit2.GitError as exc:
        lock = Path(repo.path) / f"{name}.lock"
        if "too many open files" in str(exc).lower():  # EMFILE/ENFILE: our limit, not another writer
            raise ResourceLimitError(
                f"cannot lock {name}: too many open files (raise 'ulimit -n'; gitreg needs about "
                f"{ADVANCE_BATCH + 32})"
            ) from None
        finish = lambda rec, ref: finish_interrupted(repo, rec, ref)  # noqa: E731
        if not lockowner.break_if_stale(Path(repo.path), lock, finish, mine=owner.path):
            raise RefConflict(name, lock) from None
        if name in owner.pending and _hex(_target(repo, name)) != owner.pending[name][0]:
            raise RefConflict(name)  # an interrupted write was completed meanwhile: rebuild on it
        try:
            txn.lock_ref(name)
        except pygit2.GitError:
            raise RefConflict(name, lock) from None
    owner.took(f"{name}.lock", save=False)  # the caller saves once all its locks are taken


def finish_interrupted(repo: pygit2.Repository, record: dict, ref: str) -> Optional[str]:
    """The value to complete a dead writer's move of `ref` with, or None to discard it.

    A writer moves its refs one by one (update_refs); when it died after moving some
    of them, the rest are rolled forward, so its write is whole (a version's tag is
    then reachable from its branch). When it moved none, nothing of it is kept.
    """
    pending = record.get("pending")
    if not isinstance(pending, dict) or not isinstance(pending.get(ref), list):
        return None

    def at(name: str, value: object) -> bool:
        return _hex(_target(repo, name)) == value

    old, new = (pending[ref] + [None, None])[:2]
    started = any(at(n, v[1]) for n, v in pending.items() if n != ref and isinstance(v, list) and len(v) == 2)
    if started and at(ref, old) and isinstance(new, str) and is_commit_or_tag(repo, new):
        return new
    return None


def is_commit_or_tag(repo: pygit2.Repository, hexid: str) -> bool:
    try:
        obj = repo.get(hexid)
    except (ValueError, pygit2.GitError):
        return False
    return obj is not None and obj.type in (pygit2.enums.ObjectType.COMMIT, pygit2.enums.ObjectType.TAG)


def _hex(oid: Optional[pygit2.Oid]) -> Optional[str]:
    return None if oid is None else str(oid)


def _intent(updates: Sequence[tuple[str, Optional[pygit2.Oid], pygit2.Oid]]) -> dict[str, list]:
    return {name: [_hex(old), str(new)] for name, old, new in updates}


def update_refs(
    repo: pygit2.Repository,
    updates: Sequence[RefUpdate],
    message: str,
    guards: Mapping[str, Optional[pygit2.Oid]] = {},
    check: Optional[Callable[[], None]] = None,
    gitdir: Optional[Path] = None,
    ident: Optional[tuple[str, str]] = None,
) -> None:
    """Move all refs or none. Raises RefConflict when any ref is not at `old`.

    Every ref is locked first; then they move one by one in the order given, so a
    writer killed midway has moved a prefix of them (registration lists the tag
    before the branch: DESIGN.md 'a registration killed at any instant'). The
    locks it leaves name it as their owner, and the next writer breaks them.

    `guards` are refs locked and compared but not moved: they serialise writers
    that must not both succeed (e.g. models whose names differ only in case);
    `check` runs once all are locked (it re-reads what the guards protect, and raises
    to refuse the write). `gitdir` is repo.path as a Path, when the caller has it made.
    `ident` (name, email) is who the refs' logs name, as git would (its committer): without
    it libgit2 takes a snapshot of its own reading of the configuration for every ref moved
    (three stats and a parse each), even where no log is kept (a bare repository).
    """
    if ident is None:
        _update_refs(repo, updates, message, guards, check, gitdir)
        return
    repo.set_ident(*ident)
    try:
        _update_refs(repo, updates, message, guards, check, gitdir)
    finally:
        repo.set_ident(None, None)  # later moves without an ident read the configuration again


def _update_refs(
    repo: pygit2.Repository,
    updates: Sequence[RefUpdate],
    message: str,
    guards: Mapping[str, Optional[pygit2.Oid]],
    check: Optional[Callable[[], None]],
    gitdir: Optional[Path],
) -> None:
    moved = [u.name for u in updates]
    # entered in reverse, an ExitStack commits in the order given (each one transaction)
    order = sorted(set(guards) - set(moved)) + list(reversed(moved))
    intent = _intent([(u.name, u.old, u.new) for u in updates])
    with lockowner.holding(gitdir or Path(repo.path), [f"{n}.lock" for n in order], intent) as owner, \
            contextlib.ExitStack() as stack:
        txns = {}
        for name in order:
            txns[name] = stack.enter_context(repo.transaction())
            _lock(repo, txns[name], name, owner)
        owner.save()  # the locks' inodes, in one write
        for update in updates:
            if _target(repo, update.name) != update.old:
                raise RefConflict(update.name)
            txns[update.name].set_target(update.name, update.new, message=message)
        for name, expected in guards.items():
            if _target(repo, name) != expected:
                raise RefConflict(name)
        if check is not None:
            check()


@contextlib.contextmanager
def guarded(repo: pygit2.Repository, guards: Mapping[str, Optional[pygit2.Oid]]) -> Iterator[None]:
    """Hold `guards` locked (compared, never moved) around a write made elsewhere first (a
    push to the sync remote), as update_refs holds them: writers that must not both succeed
    serialise on them. Raises RefConflict when a guard is not at its expected value."""
    order = sorted(guards)
    with lockowner.holding(Path(repo.path), [f"{n}.lock" for n in order], _intent([])) as owner, \
            contextlib.ExitStack() as stack:
        for name in order:
            _lock(repo, stack.enter_context(repo.transaction()), name, owner)
        owner.save()
        for name, expected in guards.items():
            if _target(repo, name) != expected:
                raise RefConflict(name)
        yield


def advance_refs(
    repo: pygit2.Repository, updates: Mapping[str, pygit2.Oid], message: str
) -> dict[str, str]:
    """Move each ref forward to its new value unless it is already there or beyond.

    For publishing what a remote has accepted: another local process may have
    brought the same value in first, which is not a conflict. A ref is created,
    fast-forwarded, or left (when equal or ahead); any other state raises
    RefConflict. Tag refs (non-commits) only compare equal. Refs are moved in
    sorted batches of ADVANCE_BATCH (branches before tags), each batch all or
    nothing: refs here need no atomicity between them, and a batch bounds the
    open lock files. Returns {ref: 'created' | 'advanced'} for the refs moved.
    """
    moved: dict[str, str] = {}
    names = sorted(updates)
    for start in range(0, len(names), ADVANCE_BATCH):
        moved.update(_advance_batch(repo, {n: updates[n] for n in names[start:start + ADVANCE_BATCH]},
                                    message))
    return moved


def _advance_batch(repo: pygit2.Repository, updates: Mapping[str, pygit2.Oid], message: str) -> dict[str, str]:
    moved: dict[str, str] = {}
    intent = _intent([(n, _target(repo, n), updates[n]) for n in sorted(updates)])
    with lockowner.holding(Path(repo.path), [f"{n}.lock" for n in sorted(updates)], intent) as owner, \
            repo.transaction() as txn:
        for name in sorted(updates):
            _lock(repo, txn, name, owner)
        owner.save()
        for name in sorted(updates):
            new, current = updates[name], _target(repo, name)
            if current == new:
                continue
            if current is None:
                moved[name] = "created"
            elif is_commit(repo, new) and is_commit(repo, current) and repo.descendant_of(new, current):
                moved[name] = "advanced"
            elif is_commit(repo, new) and is_commit(repo, current) and repo.descendant_of(current, new):
                continue
            else:
                raise RefConflict(name)
            txn.set_target(name, new, message=message)
    return moved


def is_commit(repo: pygit2.Repository, oid: pygit2.Oid) -> bool:
    obj = repo.get(oid)
    return obj is not None and obj.type == pygit2.enums.ObjectType.COMMIT


def retrying(attempt: Callable[[], T], what: str, seconds: float = RETRY_SECONDS) -> T:
    """Run `attempt` until it does not raise RefConflict, with jittered backoff."""
    deadline = time.monotonic() + seconds
    tries = 0
    while True:
        try:
            with gitconfig.steady():
                return attempt()
        except RefConflict as conflict:
            tries += 1
            age = conflict.stale_lock_age()
            if age is not None:
                raise ConcurrentUpdateError(
                    f"could not {what}: {conflict.lock_file} has been locked for {age:.0f} s; "
                    "no live gitreg owns it; if no git process is running, remove that file "
                    "(or run 'gitreg doctor --repair')"
                ) from None
            if time.monotonic() > deadline:
                raise ConcurrentUpdateError(
                    f"could not {what}: {conflict.ref} kept changing under {tries} attempts"
                ) from None
            if not conflict.waited:
                time.sleep(random.uniform(0, min(_MAX_DELAY, _BASE_DELAY * 2 ** min(tries, 10))))
