"""Is this repository a registry? (DESIGN.md: empty, or every branch's root commit is a
model root commit holding model.yaml.) Checked before the first write, so that gitreg
never commits onto a code repository's `main`."""
from __future__ import annotations

from typing import Optional

import pygit2

from gitreg.git.refs import layout
from gitreg.git.refs.modeltip import MAX_WALK, looks_like_model_tip, not_a_model_branch
from gitreg.git.repository import Store


def _root(commit: pygit2.Commit) -> Optional[pygit2.Commit]:
    for _ in range(MAX_WALK):
        if not commit.parents:
            return commit
        commit = commit.parents[0]
    return None


def _looks_like_model_tip(name: str, commit: pygit2.Commit) -> bool:
    return looks_like_model_tip(name, len(commit.parent_ids), commit.raw_message, commit.tree)


def branch_problem(store: Store, name: str, tip: Optional[pygit2.Oid]) -> Optional[str]:
    """Why branch `name` at `tip` is not a model's, or None (a tip that is not a commit is
    left to verify).

    A model branch's tip is a model root commit, or a version or merge commit that gitreg
    wrote (`register <model> ...` / `gitreg: merge <model> ...`, tree with manifest.yaml --
    a Kubernetes repository's manifest.yaml alone is not that): checked first, from the tip
    commit and its tree only. Other tips are walked to their root.
    """
    obj = store.repo.get(tip) if tip is not None else None
    if not isinstance(obj, pygit2.Commit) or _looks_like_model_tip(name, obj):
        return None
    root = _root(obj)
    if root is None or layout.MODEL_FILE not in root.tree:
        return not_a_model_branch(name)
    return None


def foreign_branches(store: Store) -> dict[str, str]:
    """{branch: why} of every branch that is not a model's."""
    found = {}
    for name in sorted(store.ref_names_under(layout.HEADS)):
        why = branch_problem(store, name, store.ref_target(layout.branch_ref(name)))
        if why is not None:
            found[name] = why
    return found


def require_registry(store: Store) -> None:
    """Refuse a repository whose branches are all foreign (a code repository). One foreign
    branch beside model branches, or in a registry gitreg has synced (it has a remote's
    mirror), is a collaborator's push: named by list and doctor, never blocking writes."""
    from gitreg.core.errors import NotARegistryError

    foreign = foreign_branches(store)
    if not foreign or len(foreign) < len(store.ref_names_under(layout.HEADS)) \
            or store.ref_names_under(layout.MIRROR):
        return
    why = next(iter(foreign.values()))
    raise NotARegistryError(
        f"{store.path} is not a gitreg registry: {why}; gitreg writes only into an empty "
        "repository or one made by gitreg (for a new registry give a new path)"
    )
