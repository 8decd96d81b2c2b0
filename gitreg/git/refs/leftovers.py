"""What a killed process leaves in a repository besides ref locks: libgit2's temporary object
files and gitreg's dead lock-owner records. Found here for `gitreg doctor`, and swept by
writers at most once an hour (sweep_if_due), so nothing needs a human."""
from __future__ import annotations

import os
import time
from pathlib import Path

from gitreg.git.refs import lockowner

TEMP_PREFIXES = ("tmp_object_git2_", "tmp_obj_", "tmp_pack_", "tmp_idx_")  # libgit2's and git's
TEMP_AGE = 3600.0  # no writer takes an hour to write one object; git gc waits two weeks
SWEEP_EVERY = 3600.0
PACK_SECONDS = 120.0  # gitreg's `git pack-refs` is given this long (repository.pack_refs_if_needed)
_MARKER = ".swept"


def temp_objects(gitdir: Path, older_than: float = TEMP_AGE) -> list[Path]:
    """Temporary object files under objects/ not touched for `older_than` seconds."""
    found = []
    now = time.time()
    base = gitdir / "objects"
    try:
        subdirs = [base] + [Path(e.path) for e in os.scandir(base) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    for d in subdirs:
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            if e.name.startswith(TEMP_PREFIXES) and e.is_file(follow_symlinks=False):
                try:
                    if now - e.stat(follow_symlinks=False).st_mtime > older_than:
                        found.append(Path(e.path))
                except OSError:
                    continue
    return found


def remove(paths: list[Path]) -> list[Path]:
    removed = []
    for p in paths:
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


_not_before: dict[Path, float] = {}  # per registry: when its marker can next be due (no stat before)


def sweep_if_due(gitdir: Path) -> None:
    """At most once per SWEEP_EVERY per registry: old temp objects and dead owner records go.
    A process looks at the marker again only once the one it saw could have expired (every
    write asked the file system before)."""
    now = time.time()
    if _not_before.get(gitdir, 0.0) > now:
        return
    marker = gitdir / lockowner.DIR_NAME / _MARKER
    try:
        seen = marker.stat().st_mtime
        if now - seen < SWEEP_EVERY:
            if len(_not_before) > 64:
                _not_before.clear()
            _not_before[gitdir] = seen + SWEEP_EVERY
            return
    except FileNotFoundError:
        pass
    except OSError:
        return
    try:
        marker.parent.mkdir(exist_ok=True)
        marker.touch()
    except OSError:
        return
    remove(temp_objects(gitdir))
    lockowner.sweep(gitdir)


def clear_stale_packed_lock(gitdir: Path) -> bool:
    """Remove packed-refs.lock when it is older than any pack-refs gitreg runs (PACK_SECONDS;
    git holds it for the milliseconds of a write) and no live gitreg process claims it.
    True when one was removed."""
    lock = gitdir / "packed-refs.lock"
    try:
        age = time.time() - lock.stat().st_mtime
    except OSError:
        return False
    if age < PACK_SECONDS or any(h.alive for h in lockowner.holders(gitdir, lock)):
        return False
    return bool(remove([lock]))
