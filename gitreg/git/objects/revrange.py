"""Commits between two states of a ref (git's `old..new`), for deriving what a ref update added."""
from __future__ import annotations

from typing import Optional

import pygit2
from pygit2.enums import SortMode

MAX_COMMITS = 100_000  # one ref update adding more than this is refused, not walked


def added(repo: pygit2.Repository, new: pygit2.Oid, old: Optional[pygit2.Oid]) -> list[pygit2.Commit]:
    """Commits reachable from `new` and not from `old`, oldest first (parents before children).

    An `old` that is missing from the repository (an object gc'd, a forged id) hides nothing."""
    walker = repo.walk(new, SortMode.TOPOLOGICAL | SortMode.REVERSE)
    if old is not None:
        try:
            walker.hide(old)
        except (KeyError, ValueError, pygit2.GitError):
            pass
    out = []
    for commit in walker:
        out.append(commit)
        if len(out) > MAX_COMMITS:
            raise ValueError(f"more than {MAX_COMMITS} commits in one ref update")
    return out


def first_parents(repo: pygit2.Repository, new: pygit2.Oid, old: Optional[pygit2.Oid]) -> list[pygit2.Commit]:
    """The first-parent chain from `new` back to (not including) `old`, oldest first."""
    chain = []
    commit = repo[new].peel(pygit2.Commit)
    while commit.id != old:
        chain.append(commit)
        if not commit.parents or len(chain) > MAX_COMMITS:
            break
        commit = commit.parents[0]
    return chain[::-1]
