"""Temporary directories named after the process that made them (`<prefix><pid>.<start>.<random>`),
so that those of a process killed before it could remove them (SIGKILL) are swept by the next
one: gitreg leaves nothing behind in the temporary directory on any exit path."""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from gitreg.git.refs import lockowner

_UNTAGGED_AGE = 3600.0


def sweep(prefix: str) -> None:
    """Remove `prefix` directories whose process is provably gone."""
    try:
        found = list(Path(tempfile.gettempdir()).glob(f"{prefix}*"))
    except OSError:
        return
    for path in found:
        try:
            if not path.is_dir() or path.is_symlink():
                continue
            gone = lockowner.tagged_gone(path.name[len(prefix):])
            if gone is None:  # an older gitreg's, untagged: no command takes an hour
                gone = time.time() - path.stat().st_mtime > _UNTAGGED_AGE
        except OSError:
            continue
        if gone:
            shutil.rmtree(path, ignore_errors=True)


def make(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary directory of this process (removed when the context ends), after a sweep."""
    sweep(prefix)
    return tempfile.TemporaryDirectory(prefix=f"{prefix}{lockowner.tag()}.")
