"""The first step of `clone_checked`, importable before anything heavy (issue 28).

`gitreg clone URL [PATH]` calls `start` before the CLI framework, the census and the standard
library they load (dataclasses and its inspect, json: ~25 ms at start-up) are imported, so git
starts transferring that much sooner and those imports overlap the transfer instead of
preceding it. This module loads subprocess and gitreg's path and clone-start modules alone
(tests/git/test_cloning.py checks what it imports).
"""
from __future__ import annotations

import os

from gitreg.git.paths import resolve_path
from gitreg.git.transport import cloning
from gitreg.git.transport.cloning import Started

__all__ = ["Started", "start"]


def start(url: str, path: str | os.PathLike[str] | None = None, *, remote: str = "origin") -> Started:
    """`git clone` of `url` into `path` (default: the default registry), started and left
    running for `cloning.clone_checked(url, path, started=...)` to finish; it refuses what
    clone_checked refuses, with the same errors. Its `abandon()` stops git and removes what
    it made, when the clone is not taken over after all."""
    return cloning.start(resolve_path(path), remote, url)
