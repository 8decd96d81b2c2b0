"""Which branches are not a model's, read with git's CLI alone (no pygit2).

kind.branch_problem's verdicts for many branches at once, for a clone's summary: one
`git cat-file --batch` for the tips that are commits and their trees (a tip of another kind is
never read), and for a tip gitreg did not write (rare: a collaborator's foreign branch) a first-parent
`git rev-list` to its root. The rule itself is gitreg/git/refs/modeltip.py's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional

from gitreg.core.errors import CorruptRegistryError
from gitreg.git import gitcli
from gitreg.git.objects import objscan, rawparse
from gitreg.git.refs import layout
from gitreg.git.refs.modeltip import MAX_WALK, looks_like_model_tip, not_a_model_branch

_NO_REPLACE = {"GIT_NO_REPLACE_OBJECTS": "1"}  # libgit2 reads no replace refs: neither does this


def _commits_and_trees(gitdir: Path, oids: list[str]) -> tuple[dict[str, rawparse.RawCommit], dict[str, set[str]]]:
    """({id: parsed commit}, {id: its root tree's names}) of those ids that are commits (any
    other kind is left out, unread), in one cat-file run: `<id>^{commit}` answers with the
    commit only when it is `<id>` itself (a tag would peel to another id)."""
    commits: dict[str, rawparse.RawCommit] = {}
    names: dict[str, set[str]] = {}
    size = len(oids[0]) // 2 if oids else 20
    asked = {f"{o}^{{commit}}": o for o in oids}
    trees = {f"{o}^{{commit}}^{{tree}}": o for o in oids}
    for name, oid, data in objscan.resolved(gitdir, [x for o in oids for x in (f"{o}^{{commit}}",
                                                                            f"{o}^{{commit}}^{{tree}}")]):
        if name in trees:
            if trees[name] in commits:  # read after its commit: a tag's commit left nothing
                found = rawparse.tree_names(data, size)
                names[trees[name]] = found if found is not None else set()
        elif oid == asked.get(name):
            parsed = rawparse.commit(data)
            if parsed is not None:
                commits[oid] = parsed
    return commits, names


def _root(gitdir: Path, tip: str) -> Optional[str]:
    """The root commit of tip's first-parent chain, if it is at most MAX_WALK commits long."""
    proc = gitcli.run(gitdir, "rev-list", "--first-parent", f"--max-count={MAX_WALK + 1}", tip, "--",
                      env=_NO_REPLACE)
    if proc.returncode != 0:
        raise CorruptRegistryError(f"cannot walk to the root of {tip}: {proc.stderr.strip()[:200]}")
    chain = proc.stdout.split()
    return chain[-1] if chain and len(chain) <= MAX_WALK else None


def branch_problems(gitdir: Path, tips: Mapping[str, str]) -> dict[str, str]:
    """{branch: why} for each branch ({name: tip id}) that is not a model's. A tip that is not
    a commit is left to verify, as kind.branch_problem leaves it."""
    commits, names = _commits_and_trees(gitdir, sorted(set(tips.values())))
    walk = {name: tip for name, tip in tips.items() if tip in commits and not looks_like_model_tip(
        name, len(commits[tip].parents), commits[tip].message, names.get(tip, set()))}
    roots = {tip: _root(gitdir, tip) for tip in set(walk.values())}
    _, root_names = _commits_and_trees(gitdir, sorted({r for r in roots.values() if r is not None}))
    return {name: not_a_model_branch(name) for name, tip in sorted(walk.items())
            if roots[tip] is None or layout.MODEL_FILE not in root_names.get(roots[tip], set())}
