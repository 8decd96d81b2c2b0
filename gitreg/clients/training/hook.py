"""Installing and removing the post-commit hook in a training repository.

The hook is a small sh script (shipped as `hooks/post-commit`) with the Python
interpreter gitreg was installed with written into it, so it works when gitreg is
not on PATH. A post-commit hook that was there before is moved aside to
`post-commit.gitreg-chained` and run first by ours; uninstall moves it back.
Installing again only rewrites gitreg's own hook (idempotent).
"""
from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from gitreg.clients.training.gitrepo import TrainingRepo
from gitreg.core.errors import GitregError

HOOK = "post-commit"
CHAINED = "post-commit.gitreg-chained"
MARKER = "# gitreg post-commit hook"
SHIPPED_PYTHON = "python3"

TEMPLATE = """#!/bin/sh
{marker} -- installed by `gitreg hook install`, removed by `gitreg hook uninstall`.
# Registers a model version when this commit records new training results, as
# declared in .gitreg.yaml. It never blocks or fails the commit: a problem is one
# line here, with the details in .git/gitreg/hook.log.
# A post-commit hook that was here before is kept as {chained} and runs first.
gitreg_python={python}
chained="$(dirname "$0")/{chained}"
if [ -x "$chained" ]; then
    "$chained" "$@" || echo "gitreg: your own post-commit hook ({chained}) exited $?" >&2
fi
"$gitreg_python" -m gitreg hook run --hook ||
    echo "gitreg: could not run $gitreg_python -m gitreg (exit $?); the commit is made, nothing registered" >&2
exit 0
"""


class HookError(GitregError):
    """The hook cannot be installed or removed as asked."""


def render(python: Optional[str] = None) -> str:
    """The hook script; `python` is the interpreter to bake in (the shipped copy uses python3)."""
    return TEMPLATE.format(marker=MARKER, chained=CHAINED, python=shlex.quote(python or SHIPPED_PYTHON))


def is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


@dataclass
class HookChange:
    hook: Path
    action: str                 # installed | updated | unchanged | removed | absent | foreign
    chained: Optional[Path] = None   # the user's own hook, kept aside (install) or put back (uninstall)

    @property
    def message(self) -> str:
        kept = f"; your previous hook is kept as {self.chained.name} and runs first" if self.chained else ""
        return {
            "installed": f"Installed the gitreg post-commit hook in {self.hook}{kept}",
            "updated": f"Updated the gitreg post-commit hook in {self.hook}{kept}",
            "unchanged": f"The gitreg post-commit hook is already installed in {self.hook}{kept}",
            "removed": f"Removed the gitreg post-commit hook from {self.hook}"
                       + (" and restored your previous hook" if self.chained else ""),
            "absent": f"No gitreg post-commit hook in {self.hook}; nothing to remove",
            "foreign": f"{self.hook} is not gitreg's hook; left as it is",
        }[self.action]


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.gitreg-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, path)


def install(path: str | os.PathLike[str] = ".", python: Optional[str] = None) -> HookChange:
    repo = TrainingRepo.discover(path)
    hooks = repo.hooks_dir()
    hook, chained = hooks / HOOK, hooks / CHAINED
    text = render(python or sys.executable)
    kept = chained if chained.exists() or chained.is_symlink() else None
    if hook.exists() or hook.is_symlink():
        if is_ours(hook):
            if hook.read_text(encoding="utf-8", errors="replace") == text:
                return HookChange(hook, "unchanged", kept)
            _write(hook, text)
            return HookChange(hook, "updated", kept)
        if kept is not None:
            raise HookError(
                f"{hook} is not gitreg's, and {chained.name} already exists: move one of them away first"
            )
        os.replace(hook, chained)
        kept = chained
    hooks.mkdir(parents=True, exist_ok=True)
    _write(hook, text)
    return HookChange(hook, "installed", kept)


def uninstall(path: str | os.PathLike[str] = ".") -> HookChange:
    repo = TrainingRepo.discover(path)
    hooks = repo.hooks_dir()
    hook, chained = hooks / HOOK, hooks / CHAINED
    if not (hook.exists() or hook.is_symlink()):
        return HookChange(hook, "absent")
    if not is_ours(hook):
        return HookChange(hook, "foreign")
    if chained.exists() or chained.is_symlink():
        os.replace(chained, hook)
        return HookChange(hook, "removed", chained)
    hook.unlink()
    return HookChange(hook, "removed")
