"""Clone: git's transfer overlaps gitreg's own start-up.

This module imports neither pygit2 nor the registry until `git clone` runs
(gitreg.git.transport.cloning): at 1,000 versions the transfer and those imports take
about as long each, so a clone costs the longer of the two instead of their sum.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gitreg.git.paths import resolve_path
from gitreg.git.transport import cloning

if TYPE_CHECKING:
    from gitreg.api.registry import ModelRegistry


def clone(url: str, path: str | os.PathLike[str] | None = None, *, remote: str = "origin") -> "ModelRegistry":
    """ModelRegistry.clone, with git started before the registry is imported."""
    target = resolve_path(path)
    started = cloning.start(target, remote, url)
    try:
        from gitreg.api.registry import ModelRegistry  # imported while git transfers
    except BaseException:
        started.abandon()
        raise
    return ModelRegistry.clone(url, target, remote=remote, started=started)
