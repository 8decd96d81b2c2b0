"""The hostile-ref rules on names and targets alone (gitreg/model/hostile.py), with no git reader.

The rules need an object read in only two places: whether a branch is a model's, and (deep)
whether a version tag leads to a commit. Those verdicts are handed in, so that the same rules
judge refs read through pygit2 (hostile.scan) and refs read with git's CLI alone (a clone's
summary, gitreg/features/trust/census.py): one set of rules, two readers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Collection, Mapping, Optional, TypeVar

from gitreg.core.errors import InvalidNameError
from gitreg.core.names import check_environment_name, check_model_name, check_version_name
from gitreg.core.recordbase import FrozenRecord
from gitreg.git.refs import layout

NAMESPACES = (layout.HEADS, layout.TAGS, layout.DEPLOYED, layout.NOTES)
T = TypeVar("T")  # a ref's target as the reader gives it (pygit2.Oid, hex string)


@dataclass(frozen=True, eq=False, repr=False)
class HostileRef(FrozenRecord):
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


def judge(refs: Mapping[str, T], branch: Callable[[str, T], Optional[str]], known: Collection[str] = (),
          tag: Optional[Callable[[T], Optional[str]]] = None) -> list[HostileRef]:
    """The hostile refs among `refs` ({full name: target}, gitreg's namespaces), in name order.
    `branch(name, tip)`: why a branch with a valid, twin-free name is not a model's (or None);
    `tag(target)`: why a version tag with valid names is bad (None: not checked). `known`: other
    ref names (the local side of a pull) that twins and notes are judged against."""
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
        why = _judge(ref, target, models, model_twins, env_twins, branch, tag)
        if why is not None:
            found.append(HostileRef(ref, why))
    return found


def _judge(ref: str, target: T, models: set[str], model_twins: dict[str, str], env_twins: dict[str, str],
           branch: Callable[[str, T], Optional[str]], tag: Optional[Callable[[T], Optional[str]]]) -> Optional[str]:
    if ref.startswith(layout.HEADS):
        name = ref[len(layout.HEADS):]
        if name in model_twins:
            return f"model {name!r} differs only in case from {model_twins[name]!r} (a case twin)"
        return _name_problem(check_model_name, name) or branch(name, target)
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
        if bad is None and tag is not None:
            bad = tag(target)
        return bad
    return None
