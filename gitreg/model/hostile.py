"""Refs no gitreg write makes, pushed by a collaborator with plain git: named, never obeyed.

A registry holds whatever anyone with push access sent (DESIGN.md 'What gitreg reads is
untrusted'). Each of these is one named problem, and never stops a clone, a read or a
write of anything else (issue 22):
- a branch that is not a model's (its root holds no model.yaml);
- a name the rules refuse (invalid, reserved HEAD/latest, or a path one level too deep);
- a case twin of a model or an environment (refs/heads/M beside m, refs/deployed/Production/
  beside production). Of twins, the environment with the most deployments is kept, then the
  lower-case spelling, then the first in sort order; of model twins the lower-case spelling,
  then the first. The others are the problem;
- notes of a model that has no branch;
- a version tag on something that is not a commit (`deep`: one object read per tag).
Refs under refs/gitreg/ (the policy, approvals, remotes' mirrors) are not judged here.
"""
from __future__ import annotations

from typing import Collection, Mapping, Optional

import pygit2

from gitreg.git.refs import kind, layout
from gitreg.git.repository import Store
from gitreg.model.refrules import NAMESPACES, HostileRef, judge

__all__ = ["NAMESPACES", "HostileRef", "local", "note_problems", "scan"]


def _not_a_commit(store: Store, oid: pygit2.Oid) -> Optional[str]:
    obj = store.repo.get(oid)
    if obj is None:
        return "a version tag on a missing object"
    try:
        obj.peel(pygit2.Commit)
    except (pygit2.GitError, ValueError, TypeError):
        return f"a version tag on a {obj.type_str}, not a commit"
    return None


def scan(store: Store, refs: Mapping[str, pygit2.Oid], known: Collection[str] = (),
         deep: bool = False) -> list[HostileRef]:
    """The hostile refs among `refs` ({full name: target}, gitreg's namespaces). `known`:
    other ref names (the local side of a pull) that twins and notes are judged against.
    The rules are gitreg/model/refrules.py's; objects are read here through pygit2."""
    return judge(refs, lambda name, tip: kind.branch_problem(store, name, tip), known,
                 (lambda oid: _not_a_commit(store, oid)) if deep else None)


def local(store: Optional[Store], deep: bool = False, tags: bool = False) -> list[HostileRef]:
    """The hostile refs of the registry itself (tags only with `tags`: O(versions))."""
    if store is None:
        return []
    refs: dict[str, pygit2.Oid] = {}
    for namespace in NAMESPACES:
        if namespace != layout.TAGS or tags:
            refs.update(store.refs_under(namespace))
    return scan(store, refs, deep=deep)


def note_problems(store: Store, found: list[HostileRef]) -> list[HostileRef]:
    """Each one a named read problem (the CLI prints them and exits 1)."""
    for h in found:
        store.problems.add(h.ref, h.why)
    return found
