"""git's ref lock files, taken and committed as git and libgit2 do, without a libgit2 transaction.

A ref is locked by creating `<ref>.lock` with O_EXCL; its new value is written into the lock,
which is then renamed onto the ref (atomic: a reader sees the old value or the new one). This
is the protocol git, libgit2 and gitreg's lock breakers (lockowner.py) share, so a lock taken
here excludes every other writer exactly as a libgit2 transaction's does. libgit2 adds to it
only a reflog entry, which a bare repository writes when `core.logAllRefUpdates` asks for one:
callers take libgit2's transactions then (`plain`). Like libgit2 (whose fsync option gitreg does
not turn on) the ref files are not fsynced. Done here, a registration's two refs cost less than
half the system calls and none of the per-ref transaction objects.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence

import pygit2

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def plain(repo: pygit2.Repository, config: object, names: Sequence[str]) -> bool:
    """Whether moving `names` writes nothing but the refs themselves: a bare repository whose
    configuration (as git reads it: `config`, None when git cannot say) asks for no reflog,
    and names git accepts (libgit2 refuses the others with its own error)."""
    if config is None or not repo.is_bare:
        return False
    try:
        value = config["core.logAllRefUpdates"]  # type: ignore[index]
    except KeyError:
        pass  # unset: a bare repository keeps no reflog
    else:
        if value.strip().lower() not in ("false", "no", "off", "0"):
            return False
    return all(pygit2.reference_is_valid_name(name) for name in names)


class Locks:
    """The `<ref>.lock` files this writer created and holds (open) until committed or released."""

    def __init__(self, gitdir: str) -> None:
        self.gitdir = gitdir
        self.held: dict[str, tuple[str, int]] = {}  # ref -> (lock path, fd)

    def path(self, name: str) -> str:
        return os.path.join(self.gitdir, f"{name}.lock")

    def take(self, name: str) -> int:
        """Create `<name>.lock` (and missing leading directories, as git does); returns its inode.
        Raises FileExistsError when another writer holds it, OSError when it cannot be made."""
        lock = self.path(name)
        try:
            fd = os.open(lock, _FLAGS, 0o666)
        except FileNotFoundError:  # a new model's first tag: refs/tags/<model>/ is made with it
            os.makedirs(os.path.dirname(lock), exist_ok=True)
            fd = os.open(lock, _FLAGS, 0o666)
        self.held[name] = (lock, fd)
        try:
            return os.fstat(fd).st_ino
        except OSError:
            return -1

    def commit(self, moves: Sequence[tuple[str, pygit2.Oid]]) -> None:
        """Move each ref to its value, in the order given. Every value is written into its lock
        before the first rename, so a write that fails (a full disk) moves nothing."""
        for name, new in moves:
            os.write(self.held[name][1], f"{new}\n".encode())
        for name, _ in moves:
            lock, fd = self.held.pop(name)
            os.close(fd)
            try:
                os.rename(lock, os.path.join(self.gitdir, name))
            except OSError:
                self._drop(lock)
                raise

    def release(self) -> None:
        """Remove every lock still held (not committed): the refs keep their values."""
        held, self.held = self.held, {}
        for lock, fd in held.values():
            try:
                os.close(fd)
            except OSError:
                pass
            self._drop(lock)

    @staticmethod
    def _drop(lock: str) -> None:
        try:
            os.unlink(lock)
        except OSError:
            pass

    def __enter__(self) -> "Locks":
        return self

    def __exit__(self, *exc: object) -> Optional[bool]:
        self.release()
        return None
