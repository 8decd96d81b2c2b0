"""Temporary directories named after the process that made them (`<prefix><pid>.<start>.<random>`),
so that those of a process killed before it could remove them (SIGKILL) are swept by the next
one: gitreg leaves nothing behind in the temporary directory on any exit path."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from gitreg.git.refs import lockowner


def sweep(prefix: str) -> None:
    """Remove `prefix` directories whose process is provably gone."""
    here = lockowner.me()
    try:
        found = list(Path(tempfile.gettempdir()).glob(f"{prefix}*"))
    except OSError:
        return
    for path in found:
        pid, _, rest = path.name[len(prefix):].partition(".")
        started = rest.partition(".")[0]
        if pid.isdigit() and rest and int(pid) != here["pid"] and path.is_dir() and not path.is_symlink():
            if lockowner.gone({**here, "pid": int(pid), "started": None if started == "None" else started}):
                shutil.rmtree(path, ignore_errors=True)


def make(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary directory of this process (removed when the context ends), after a sweep."""
    sweep(prefix)
    me = lockowner.me()
    return tempfile.TemporaryDirectory(prefix=f"{prefix}{me['pid']}.{me['started']}.")
