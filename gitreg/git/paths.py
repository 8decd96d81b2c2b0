"""Where a registry is: paths only, no pygit2 (shell completion reads ref files by these)."""
from __future__ import annotations

import os
from pathlib import Path

from gitreg.core.errors import GitregError


def data_dir() -> Path:
    """${XDG_DATA_HOME:-~/.local/share}/gitreg: the default registry and clones of remote ones."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "gitreg"


def default_path() -> Path:
    """$GITREG_REGISTRY, else ${XDG_DATA_HOME:-~/.local/share}/gitreg/registry.git."""
    env = os.environ.get("GITREG_REGISTRY")
    if env:
        return Path(env).expanduser()
    return data_dir() / "registry.git"


def resolve_path(path: str | os.PathLike[str] | None) -> Path:
    """The registry's local path; a URL given as one is refused (it would become a directory)."""
    from gitreg.core.urls import is_url

    where = os.environ.get("GITREG_REGISTRY") if path is None else os.fspath(path)
    if isinstance(where, str) and is_url(where):
        raise GitregError(
            f"registry path {where!r} is a URL, not a local path: use `gitreg clone URL` "
            "(API: ModelRegistry.clone(url, path)) to make a local registry that syncs with it"
        )
    return default_path() if path is None else Path(path).expanduser()
