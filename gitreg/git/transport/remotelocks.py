"""Ref locks a killed `git receive-pack` left in a remote on this machine.

git's files backend commits an atomic push ref by ref: it takes every `<ref>.lock`, then
renames them onto the refs one after the other. A receive-pack killed between two renames
(with the pusher's process group, the OOM killer, a reboot) leaves the remote with some refs
moved and the others' lock files in place: a model branch holding a version whose tag is
still `refs/tags/<m>/<v>.lock`. Every later push of that tag is then refused ("cannot lock
ref"), forever, because nothing on the remote removes it.

A remote that is a directory here (a path or file:// URL) can be mended from here:
- a stale lock holding exactly the value a push sets is completed, as git would have (the
  push's own interrupted commit: the same object, so the same outcome);
- `gitreg doctor --repair` completes a stale tag lock whose tag object names a commit already
  on that model's branch there (the rest of a version that was published in part), and
  removes other stale locks.
A lock is stale only when it is older than any git holds one (STALE_LOCK_SECONDS) and no
live gitreg process of that repository names it (lockowner.py). For a remote elsewhere
the error names the file for whoever runs the server.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import unquote, urlparse

from gitreg.git import gitcli
from gitreg.git.refs import layout, lockowner
from gitreg.git.refs.transaction import STALE_LOCK_SECONDS

_LOCKED = re.compile(r"cannot lock ref '([^']+)': Unable to create '[^']*?\.lock': File exists")
_VALUE = re.compile(r"^[0-9a-f]{40}$")
_SAME_TAG_SECONDS = 2.0


@dataclass(frozen=True)
class RemoteLock:
    gitdir: Path  # the remote repository
    ref: str
    age: float  # seconds since the lock file was written
    value: Optional[str]  # the object id git wrote into it, when it holds one

    @property
    def path(self) -> Path:
        return self.gitdir / f"{self.ref}.lock"


def local_gitdir(url: Optional[str]) -> Optional[Path]:
    """The repository directory of a remote that is a path or a file:// URL on this machine."""
    if not url:
        return None
    if url.startswith("file://"):
        url = unquote(urlparse(url).path)
    elif "://" in url or (":" in url.split("/", 1)[0] and not url.startswith("/")):
        return None  # ssh, http(s), git://, scp-like host:path
    path = Path(url).expanduser()
    if (path / ".git").is_dir():
        path = path / ".git"
    return path if (path / "objects").is_dir() and (path / "refs").is_dir() else None


def locked_refs(remote_said: Iterable[str]) -> list[str]:
    """The refs a push was refused because their lock file exists on the remote."""
    return [m.group(1) for line in remote_said for m in _LOCKED.finditer(line)]


def _read(gitdir: Path, ref: str) -> Optional[RemoteLock]:
    lock = gitdir / f"{ref}.lock"
    try:
        age = time.time() - lock.stat().st_mtime
        value = lock.read_bytes()[:100].decode("ascii", "replace").strip()
    except OSError:
        return None
    return RemoteLock(gitdir, ref, age, value if _VALUE.match(value) else None)


def stale(gitdir: Path, ref: str, older_than: float = STALE_LOCK_SECONDS) -> Optional[RemoteLock]:
    """The lock of `ref` in the remote at gitdir when no git or gitreg can still be holding it."""
    lock = _read(gitdir, ref)
    if lock is None or lock.age <= older_than:
        return None
    if any(h.alive for h in lockowner.holders(gitdir, lock.path)):
        return None
    return lock


def stale_locks(gitdir: Path) -> list[RemoteLock]:
    """Every stale ref lock in the remote at gitdir (for doctor)."""
    base = gitdir / "refs"
    found = []
    for path in sorted(base.rglob("*.lock")) if base.is_dir() else []:
        lock = stale(gitdir, path.relative_to(gitdir).as_posix()[: -len(".lock")])
        if lock is not None:
            found.append(lock)
    return found


def _commit(lock: RemoteLock) -> bool:
    """Rename the lock onto its ref, as git's own commit would have (its value is in it)."""
    target = lock.gitdir / lock.ref
    if target.exists():
        return False
    try:
        os.replace(lock.path, target)
    except OSError:
        return False
    return True


def complete_if_same(gitdir: Path, ref: str, value: str) -> bool:
    """Complete a stale lock of `ref` holding exactly `value` (what a push now sets). A tag
    lock whose version commit is already on its branch there is the rest of a commit that
    was cut short (receive-pack renames a lock within milliseconds of the one before it):
    _SAME_TAG_SECONDS is enough; anything else waits out STALE_LOCK_SECONDS."""
    lock = stale(gitdir, ref, _SAME_TAG_SECONDS)
    if lock is None or lock.value != value:
        return False
    if lock.age <= STALE_LOCK_SECONDS and not completes_a_version(lock):
        return False
    return _commit(lock)


def completes_a_version(lock: RemoteLock) -> bool:
    """Whether the lock is the missing tag of a version whose commit is on its branch there."""
    if lock.value is None or not lock.ref.startswith(layout.TAGS) or lock.ref.count("/") != 3:
        return False
    model = lock.ref[len(layout.TAGS):].split("/", 1)[0]
    kind = gitcli.run(lock.gitdir, "cat-file", "-t", lock.value)
    if kind.returncode != 0 or kind.stdout.strip() != "tag":
        return False
    named = gitcli.run(lock.gitdir, "cat-file", "tag", lock.value)
    if f"\ntag {lock.ref[len(layout.TAGS):]}\n" not in f"\n{named.stdout}":
        return False
    on_branch = gitcli.run(lock.gitdir, "merge-base", "--is-ancestor", f"{lock.value}^{{commit}}",
                           layout.branch_ref(model))
    return on_branch.returncode == 0


def resolve(lock: RemoteLock) -> str:
    """doctor --repair: "completed" (the rest of a version), "removed", or "" (it changed meanwhile)."""
    if completes_a_version(lock):
        return "completed" if _commit(lock) else ""
    try:
        os.unlink(lock.path)
    except OSError:
        return ""
    return "removed"
