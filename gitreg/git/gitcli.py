"""Running the git command on the registry, for what libgit2 lacks (transport with the
user's credentials, atomic push, pack-refs' locking, verify-tag / verify-commit)."""
from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Iterator, Mapping, Optional

from gitreg.core.errors import ResourceLimitError

# Set by git for hooks (gitreg may run inside one): they would point git at another repository.
_REPO_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_NAMESPACE", "GIT_OBJECT_DIRECTORY",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR")


class GitMissing(OSError):
    """The git command could not be run at all."""


def environment() -> dict[str, str]:
    """This process's environment without the variables that would point git elsewhere."""
    return {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}


# -- git's children die with gitreg ---------------------------------------------------
# A transport command runs in a process group of its own (git, remote-http, send-pack, ssh,
# receive-pack of a local remote, git-lfs's helpers). When gitreg gives up on it (its time
# limit), or is told to stop (SIGTERM, SIGHUP, SIGINT), the whole group is killed first, so
# nothing can deliver a push after gitreg has said what happened; then gitreg unwinds
# normally (temporary directories are removed) and exits.
_groups: set[int] = set()
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


def _stop(signum: int, _frame: object) -> None:
    for pgid in list(_groups):
        _kill_group(pgid)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def group_guard(proc: subprocess.Popen) -> Iterator[None]:
    """While `proc` (started with start_new_session=True) runs: a stop signal kills its group
    first; any exit from here that leaves it running (an exception) kills it too."""
    _groups.add(proc.pid)
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _STOP_SIGNALS:
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                saved[sig] = signal.signal(sig, _stop)
    try:
        yield
    finally:
        if proc.poll() is None:
            _kill_group(proc.pid)
            proc.wait()
        _groups.discard(proc.pid)
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def run(git_dir: Optional[Path], *args: str, timeout: Optional[float] = None,
        env: Optional[Mapping[str, str]] = None, input: Optional[str] = None, group: bool = False,
        ) -> subprocess.CompletedProcess[str]:
    """`git --git-dir=<git_dir> <args>` (no --git-dir for None: clone), text output captured,
    standard input `input` (else none); `env` is added. `group` (transport): git and all it
    starts run in a process group that is killed on the time limit or a stop signal."""
    full = environment()
    full.update(env or {})
    where = [] if git_dir is None else [f"--git-dir={git_dir}"]
    try:
        if not group:
            return subprocess.run(
                ["git", *where, *args], capture_output=True, text=True, errors="replace",
                env=full, timeout=timeout,
                **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}),
            )
        proc = subprocess.Popen(["git", *where, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                text=True, errors="replace", env=full, start_new_session=True)
        with group_guard(proc):
            try:
                out, err = proc.communicate(input, timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                proc.communicate()
                raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    except OSError as exc:
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            raise ResourceLimitError(f"cannot run git: {exc.strerror} (raise 'ulimit -n')") from None
        raise GitMissing(exc.errno, f"cannot run git: {exc.strerror}") from None
