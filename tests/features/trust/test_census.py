"""The clone summary's census read two ways (gitreg/features/trust/census.py): `take` through
pygit2 (ModelRegistry.census) and `take_at` with packed-refs and git's CLI alone (`gitreg
clone`). On a registry holding every kind of hostile ref and bad version, both give the same
counts and name the same problems in the same order: loose refs, packed refs, and a clone."""
from __future__ import annotations

import subprocess
import sys

import pytest

from gitreg import ModelRegistry
from gitreg.api import cloning
from gitreg.core.problems import ProblemLog
from gitreg.features.trust import census
from gitreg.git.refs import kind, plainkind
from gitreg.git.repository import Store
from tests.integrity.test_hostile import BOMB, _blob, _git, _manifest, _version_by_hand


def _commit(path, tree: str, message: str, *parents: str) -> str:
    return _git(path, "commit-tree", tree, *[x for p in parents for x in ("-p", p)], "-m", message)


def _tree(path, **files: bytes) -> str:
    return _git(path, "mktree", input="".join(f"100644 blob {_blob(path, data)}\t{name}\n"
                                              for name, data in files.items()).encode())


# Every problem the census names in the registry below (ref: words of its reason).
EXPECTED = {
    "refs/heads/code": "does not start with a model root commit",
    "refs/heads/M": "differs only in case from 'm'",
    "refs/heads/longchain": "does not start with a model root commit",
    "refs/heads/deep/er": "invalid model name",
    "refs/deployed/Production/m": "differs only in case from 'production'",
    "refs/deployed/latest/m": "reserved",
    "refs/deployed/prod/-x": "invalid model name '-x'",
    "refs/deployed/a/b/c": "not a deployment ref",
    "refs/notes/gitreg/ghost": "notes of model 'ghost', which does not exist",
    "refs/tags/m/v99": "does not lead to a commit",
    "refs/tags/big/v2": "limit",
    "refs/tags/empty/v2": "manifest.yaml",
    "refs/tags/bomb/v2": "anchor or alias",
    "refs/tags/treed/v2": "does not lead to a commit",
}


@pytest.fixture
def hostile(tmp_path):
    """A registry with good versions, bad versions and hostile refs, all written with plain git."""
    path = tmp_path / "remote.git"
    reg = ModelRegistry(path)
    for model in ("m", "big", "empty", "bomb", "treed", "star"):
        reg.register_model(model)
    reg.register_model("m")
    reg.register_model("star", framework="a * b & c, with ! too")  # suspect bytes, valid YAML: good
    reg.deploy("m", "v1")
    _version_by_hand(path, "big", "v2", _manifest("big", "v2") + b"pad: " + b"x" * (1 << 20) + b"\n")
    _git(path, "tag", "-a", "empty/v2", _commit(path, _tree(path), "no manifest", "refs/heads/empty"), "-m", "e")
    _version_by_hand(path, "bomb", "v2", _manifest("bomb", "v2") + BOMB)
    _git(path, "tag", "-a", "treed/v2", _git(path, "rev-parse", "refs/heads/m^{tree}"), "-m", "a tag on a tree")
    m_tip = _git(path, "rev-parse", "refs/heads/m")
    deployed = _git(path, "rev-parse", "refs/deployed/production/m")
    empty = _tree(path)
    model_root = _commit(path, _tree(path, **{"model.yaml": b"name: kube\n"}), "a root")
    chain = _commit(path, empty, "root without model.yaml")
    for i in range(5):
        chain = _commit(path, _tree(path, **{"manifest.yaml": b"kind: Deployment\n"}), f"step {i}", chain)
    refs = {
        # hostile (EXPECTED)
        "refs/heads/code": _commit(path, empty, "code"),
        "refs/heads/M": m_tip,
        "refs/heads/longchain": chain,
        "refs/heads/deep/er": m_tip,
        "refs/deployed/Production/m": deployed,
        "refs/deployed/latest/m": deployed,
        "refs/deployed/prod/-x": deployed,
        "refs/deployed/a/b/c": deployed,
        "refs/notes/gitreg/ghost": deployed,
        "refs/tags/m/v99": _blob(path, b"not a version\n"),
        # odd but not hostile: a foreign-looking tip on a model root, a tip gitreg's message
        # names (no walk), a branch on a tag object (left to verify), a tag that is no version's
        "refs/heads/kube": _commit(path, _tree(path, **{"manifest.yaml": b"kind: Pod\n"}), "edit", model_root),
        "refs/heads/written": _commit(path, _tree(path, **{"manifest.yaml": _manifest("written", "v1")}),
                                      "register written v1", chain),
        "refs/heads/tagged": _git(path, "rev-parse", "refs/tags/m/v1"),
        "refs/tags/m/not/a-version": m_tip,
    }
    for ref, oid in refs.items():
        (path / ref).parent.mkdir(parents=True, exist_ok=True)
        (path / ref).write_text(f"{oid}\n")  # as files: git refuses a branch on a tag object
    return path


def _pygit2_way(path):
    store = Store.open(path)
    found = census.take(store)
    return found, [(p.ref, p.problem) for p in store.problems.items()]


def _plain_way(path):
    problems = ProblemLog()
    found = census.take_at(path, problems)
    return found, [(p.ref, p.problem) for p in problems.items()]


def _check(found, problems) -> None:
    named = dict(problems)
    assert set(named) == set(EXPECTED), sorted(set(named) ^ set(EXPECTED))
    for ref, words in EXPECTED.items():
        assert words in named[ref], (ref, named[ref])
    # models: m big empty bomb treed star kube written (code, longchain: foreign; M: twin; tagged: a tag)
    assert (found.models, found.versions, found.bad) == (9, 8, 5), found


def test_both_readers_agree_on_loose_and_packed_refs(hostile):
    loose = _pygit2_way(hostile)
    assert _plain_way(hostile) == loose
    _check(*loose)
    _git(hostile, "pack-refs", "--all")
    packed = _pygit2_way(hostile)
    assert _plain_way(hostile) == packed
    _check(*packed)


def test_clone_checked_makes_the_same_registry_and_census_as_the_api(hostile, tmp_path, refs, git):
    url = f"file://{hostile}"
    api = ModelRegistry.clone(url, tmp_path / "api.git")
    found = api.census()
    checked = cloning.clone_checked(url, tmp_path / "plain.git")

    assert refs(checked.path) == refs(api.path)
    assert git(checked.path, "config", "gitreg.remote").strip() == "origin"
    assert (checked.models, checked.versions, checked.bad) == (found.models, found.versions, found.bad)
    assert checked.problems == api.problems
    assert not checked.wrote and not api.wrote
    _check(found, [(p.ref, p.problem) for p in checked.problems])


def test_the_walk_to_a_root_stops_where_pygit2_s_does(hostile, monkeypatch):
    """A foreign tip is walked along first parents to its root for at most MAX_WALK commits:
    `kube` (root 1 commit back) passes, `longchain` (6 commits) fails at any limit."""
    store = Store.open(hostile)
    tips = {name: _git(hostile, "rev-parse", f"refs/heads/{name}") for name in ("kube", "longchain", "m")}
    for limit in (1, 2, 6, 7):
        monkeypatch.setattr(kind, "MAX_WALK", limit)
        monkeypatch.setattr(plainkind, "MAX_WALK", limit)
        theirs = {name: why for name in tips
                  if (why := kind.branch_problem(store, name, store.ref_target(f"refs/heads/{name}")))}
        assert plainkind.branch_problems(hostile, tips) == theirs
        assert ("kube" in theirs) == (limit < 2) and "longchain" in theirs and "m" not in theirs


def test_the_plain_census_needs_neither_pygit2_nor_pyyaml_nor_the_facade(hostile, tmp_path):
    """The bomb's manifest is suspect, so YAML is parsed for it; without it nothing imports PyYAML."""
    _git(hostile, "update-ref", "-d", "refs/tags/bomb/v2")
    _git(hostile, "update-ref", "-d", "refs/tags/star/v2")
    code = ("import sys; from gitreg.api import cloning; "
            f"c = cloning.clone_checked('file://{hostile}', {str(tmp_path / 'c.git')!r}); "
            "print(c.models, c.versions, c.bad, len(c.problems)); "
            "print(sorted(m for m in ('pygit2', 'yaml', 'gitreg.api.registry', 'gitreg.git.repository') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["9 7 4 13", "[]"], out



def test_a_peel_line_naming_a_tag_is_peeled_to_its_commit(reg, tmp_path):
    """packed-refs is read as given: a version whose peel line names another tag (git writes the
    commit) is checked through that tag, as `^{commit}` would, and one naming a tree is bad."""
    reg.register_model("m")
    reg.register_model("m")
    path = reg.path
    _git(path, "tag", "-a", "m-inner", "refs/tags/m/v2^{commit}", "-m", "a tag")
    _git(path, "tag", "-a", "m-tree", "refs/tags/m/v2^{tree}", "-m", "a tag on a tree")
    inner, tree = _git(path, "rev-parse", "refs/tags/m-inner"), _git(path, "rev-parse", "refs/tags/m-tree")
    _git(path, "pack-refs", "--all")
    packed = (path / "packed-refs").read_text().splitlines()
    v1, v2 = packed.index(next(x for x in packed if x.endswith(" refs/tags/m/v1"))), \
        packed.index(next(x for x in packed if x.endswith(" refs/tags/m/v2")))
    packed[v2 + 1], packed[v1 + 1] = f"^{inner}", f"^{tree}"
    (path / "packed-refs").write_text("\n".join(packed) + "\n")
    assert _plain_way(path) == _pygit2_way(path)
    found, problems = _plain_way(path)
    assert (found.models, found.versions, found.bad) == (1, 1, 1)
    assert problems == [("refs/tags/m/v1", "does not lead to a commit holding a manifest.yaml file")]


def test_a_branch_on_a_tag_object_is_left_to_verify_by_both_readers(reg):
    """The tip is a tag of a commit that starts no model: neither reader takes the tag for its
    commit (kind.branch_problem judges commits only), packed or loose."""
    reg.register_model("m")
    path = reg.path
    stray = _commit(path, _tree(path, **{"notes.txt": b"x\n"}), "not gitreg's")
    _git(path, "tag", "-a", "stray", stray, "-m", "a tag")
    (path / "refs/heads/odd").write_text(_git(path, "rev-parse", "refs/tags/stray") + "\n")
    for _ in ("loose", "packed"):
        assert _plain_way(path) == _pygit2_way(path)
        found, problems = _plain_way(path)
        assert "refs/heads/odd" not in dict(problems) and found.models == 2
        _git(path, "pack-refs", "--all")


def test_the_versions_of_a_foreign_branch_are_neither_counted_nor_named(reg):
    """take_at checks versions while git reads the branch tips, then leaves out those of a
    branch found not to be a model's, as take (which never checks them) does."""
    reg.register_model("m")
    path = reg.path
    foreign = _commit(path, _tree(path, **{"notes.txt": b"x\n"}), "not gitreg's")
    (path / "refs/heads/code").write_text(foreign + "\n")
    _git(path, "tag", "-a", "code/v1", foreign, "-m", "no manifest: bad if it were a model's")
    _git(path, "tag", "-a", "code/v2", _git(path, "rev-parse", "refs/heads/m"), "-m", "a good one")
    for _ in ("loose", "packed"):
        assert _plain_way(path) == _pygit2_way(path)
        found, problems = _plain_way(path)
        assert (found.models, found.versions, found.bad) == (1, 1, 0)
        assert [ref for ref, _ in problems] == ["refs/heads/code"]
        _git(path, "pack-refs", "--all")
