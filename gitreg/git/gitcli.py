"""Running the git command on the registry, for what libgit2 lacks (transport with the
user's credentials, atomic push, pack-refs' locking, verify-tag / verify-commit)."""
from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path
from typing import Mapping, Optional

from gitreg.core.errors import ResourceLimitError

# Set by git for hooks (gitreg may run inside one): they would point git at another repository.
_REPO_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_NAMESPACE", "GIT_OBJECT_DIRECTORY",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR")


class GitMissing(OSError):
    """The git command could not be run at all."""


def environment() -> dict[str, str]:
    """This process's environment without the variables that would point git elsewhere."""
    return {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}


def run(git_dir: Optional[Path], *args: str, timeout: Optional[float] = None,
        env: Optional[Mapping[str, str]] = None, input: Optional[str] = None,
        ) -> subprocess.CompletedProcess[str]:
    """`git --git-dir=<git_dir> <args>` (no --git-dir for None: clone), text output captured,
    standard input `input` (else none); `env` is added."""
    full = environment()
    full.update(env or {})
    where = [] if git_dir is None else [f"--git-dir={git_dir}"]
    try:
        return subprocess.run(
            ["git", *where, *args], capture_output=True, text=True, errors="replace",
            env=full, timeout=timeout,
            **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}),
        )
    except OSError as exc:
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            raise ResourceLimitError(f"cannot run git: {exc.strerror} (raise 'ulimit -n')") from None
        raise GitMissing(exc.errno, f"cannot run git: {exc.strerror}") from None
