"""Is this repository a registry? (DESIGN.md: empty, or every branch's root commit is a
model root commit holding model.yaml.) Checked before the first write, so that gitreg
never commits onto a code repository's `main`."""
from __future__ import annotations

from typing import Optional

import pygit2

from . import layout
from .repository import Store

MAX_WALK = 100_000  # first parents followed to find a root; a longer branch is not a model's


def _root(commit: pygit2.Commit) -> Optional[pygit2.Commit]:
    for _ in range(MAX_WALK):
        if not commit.parents:
            return commit
        commit = commit.parents[0]
    return None


def foreign_branch(store: Store) -> Optional[str]:
    """The first branch that is not a model's, with why; None when the repository is a registry.

    A model branch's tip is a version, root or merge commit whose tree holds manifest.yaml
    or model.yaml: that is checked first (one tree per branch); only other tips are walked
    to their root. A tip that is not a commit is left to verify (reads report it).
    """
    for name in sorted(store.ref_names_under(layout.HEADS)):
        tip = store.ref_target(layout.branch_ref(name))
        obj = store.repo.get(tip) if tip is not None else None
        if not isinstance(obj, pygit2.Commit):
            continue
        tree = obj.tree
        if layout.MANIFEST_FILE in tree or layout.MODEL_FILE in tree:
            continue
        root = _root(obj)
        if root is None or layout.MODEL_FILE not in root.tree:
            return f"branch {name!r} does not start with a model root commit (model.yaml)"
    return None


def require_registry(store: Store) -> None:
    from ..errors import NotARegistryError

    why = foreign_branch(store)
    if why is not None:
        raise NotARegistryError(
            f"{store.path} is not a gitreg registry: {why}; gitreg writes only into an empty "
            "repository or one made by gitreg (for a new registry give a new path)"
        )
