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

from dataclasses import dataclass
from typing import Callable, Collection, Mapping, Optional

import pygit2

from gitreg.core.errors import InvalidNameError
from gitreg.core.names import check_environment_name, check_model_name, check_version_name
from gitreg.git.refs import kind, layout
from gitreg.git.repository import Store

NAMESPACES = (layout.HEADS, layout.TAGS, layout.DEPLOYED, layout.NOTES)


@dataclass(frozen=True)
class HostileRef:
    ref: str
    why: str


def _name_problem(check: Callable[[object], str], name: str) -> Optional[str]:
    try:
        check(name)
    except InvalidNameError as exc:
        return str(exc)
    return None


def _twins(names: Collection[str], weight: Callable[[str], int]) -> dict[str, str]:
    """{twin: the name kept} for every name of a case group that is not kept (the heaviest,
    then the lower-case spelling, then the first in sort order)."""
    groups: dict[str, set[str]] = {}
    for name in names:
        groups.setdefault(name.lower(), set()).add(name)
    out = {}
    for group in groups.values():
        if len(group) > 1:
            kept = sorted(group, key=lambda n: (-weight(n), n != n.lower(), n))[0]
            out.update({n: kept for n in group if n != kept})
    return out


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
    other ref names (the local side of a pull) that twins and notes are judged against."""
    every = set(refs) | set(known)
    models = {r[len(layout.HEADS):] for r in every if r.startswith(layout.HEADS)}
    deployed = [r[len(layout.DEPLOYED):].split("/") for r in every if r.startswith(layout.DEPLOYED)]
    per_env: dict[str, int] = {}
    for parts in deployed:
        per_env[parts[0]] = per_env.get(parts[0], 0) + 1
    model_twins = _twins(models, lambda n: 0)
    env_twins = _twins(per_env, lambda n: per_env[n])
    found = []
    for ref, target in sorted(refs.items()):
        why = _judge(store, ref, target, models, model_twins, env_twins, deep)
        if why is not None:
            found.append(HostileRef(ref, why))
    return found


def _judge(store: Store, ref: str, target: pygit2.Oid, models: set[str], model_twins: dict[str, str],
           env_twins: dict[str, str], deep: bool) -> Optional[str]:
    if ref.startswith(layout.HEADS):
        name = ref[len(layout.HEADS):]
        if name in model_twins:
            return f"model {name!r} differs only in case from {model_twins[name]!r} (a case twin)"
        return _name_problem(check_model_name, name) or kind.branch_problem(store, name, target)
    if ref.startswith(layout.NOTES):
        name = ref[len(layout.NOTES):]
        bad = _name_problem(check_model_name, name)
        if bad is None and name not in models:
            bad = f"notes of model {name!r}, which does not exist (no {layout.branch_ref(name)})"
        return bad
    if ref.startswith(layout.DEPLOYED):
        parts = ref[len(layout.DEPLOYED):].split("/")
        if len(parts) != 2:
            return "not a deployment ref (refs/deployed/<environment>/<model>)"
        env, model = parts
        if env in env_twins:
            return f"environment {env!r} differs only in case from {env_twins[env]!r} (a case twin)"
        return _name_problem(check_environment_name, env) or _name_problem(check_model_name, model)
    if ref.startswith(layout.TAGS):
        parts = ref[len(layout.TAGS):].split("/")
        if len(parts) != 2:
            return None  # not a version tag: gitreg neither reads nor counts it
        bad = _name_problem(check_model_name, parts[0]) or _name_problem(check_version_name, parts[1])
        if bad is None and deep:
            bad = _not_a_commit(store, target)
        return bad
    return None


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
