"""Clone: git's transfer overlaps gitreg's own start-up, and the summary needs no pygit2.

This module imports neither pygit2 nor the registry until `git clone` runs
(gitreg.git.transport.cloning): at 1,000 versions the transfer and those imports take
about as long each, so a clone costs the longer of the two instead of their sum.
`clone_checked` (what `gitreg clone` runs) never imports them at all: the clone, its sync
remote and its census with every check are made with git's CLI and packed-refs alone
(gitreg.features.trust.census.take_at), and PyYAML only for a suspect manifest.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gitreg.core.errors import GitregError
from gitreg.core.problems import ProblemLog, ReadProblem
from gitreg.git.paths import resolve_path
from gitreg.git.transport import cloning

if TYPE_CHECKING:
    from gitreg.api.registry import ModelRegistry


@dataclass
class Cloned:
    """A new registry and its census: `models`, the `versions` that passed the cheap check,
    the `bad` ones; `problems` names each bad version and hostile ref once (as
    ModelRegistry.problems would after `census()`). `wrote` is False, as for
    ModelRegistry.clone: the clone moved no ref of an existing registry."""

    path: Path
    models: int
    versions: int
    bad: int
    problems: list[ReadProblem] = field(default_factory=list)
    wrote: bool = False


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


def clone_checked(url: str, path: str | os.PathLike[str] | None = None, *, remote: str = "origin",
                  started: cloning.Started | None = None) -> Cloned:
    """ModelRegistry.clone followed by its census(), without pygit2 or the registry facade:
    the same registry on disk (refs, mirror, sync remote), the same counts and problems.
    `started`: this very clone (url, path, remote) already under way (gitreg.api.clonestart)."""
    target = resolve_path(path)
    if started is not None and started.target != target:
        started.abandon()
        raise GitregError(f"the clone under way is into {started.target}, not {target}")
    started = started or cloning.start(target, remote, url)
    try:
        from gitreg.features.trust import census  # imported while git transfers

        cloning.clone_into(target, remote, url, started)
    except BaseException:  # nothing half-made is left behind
        started.abandon()
        raise
    problems = ProblemLog()
    found = census.take_at(target, problems)
    return Cloned(target, found.models, found.versions, found.bad, problems.items())
