"""Model names for shell completion, read from the ref files: no pygit2, no YAML.

A TAB runs a whole process while the shell waits; opening the repository with libgit2
cost more than the rest of it. The names are what `ModelRegistry.list_models` returns
(git/refs/refscan reads loose and packed refs as git lays them out); a path that is
not a registry completes nothing.
"""
from __future__ import annotations

import os

from gitreg.core.errors import InvalidNameError
from gitreg.core.names import check_model_name
from gitreg.git.paths import resolve_path
from gitreg.git.refs import layout, refscan


def model_names(path: str | os.PathLike[str] | None) -> list[str]:
    gitdir = resolve_path(path)
    if not (gitdir / "HEAD").is_file():
        return []
    names = []
    for full in refscan.names_under(gitdir, layout.HEADS, refscan.PackedRefs(gitdir)):
        try:
            names.append(check_model_name(full[len(layout.HEADS):]))
        except InvalidNameError:
            continue
    return sorted(names)
