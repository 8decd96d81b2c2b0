"""Clone with git started first (gitreg.api.cloning / gitreg.git.transport.cloning): the
same registry as before, nothing persisted for the transfer, nothing left on failure, and
git started before pygit2 is imported (what lets the transfer and start-up overlap)."""
from __future__ import annotations

import subprocess

import pytest

from gitreg import GitregError, RemoteError
from gitreg.api import cloning
from tests.fresh import modules_after


@pytest.fixture
def source(tmp_path, reg, git):
    reg.register_model("m")
    tip = git(reg.path, "rev-parse", "refs/heads/m").strip()
    git(reg.path, "update-ref", "refs/deployed/production/m", tip)
    git(reg.path, "update-ref", "refs/gitreg/policy", tip)
    return reg.path


def test_clone_takes_every_namespace_into_the_registry_and_its_mirror(source, tmp_path, git, refs):
    registry = cloning.clone(f"file://{source}", tmp_path / "clone.git")

    theirs = refs(source)
    mine = refs(registry.path)
    for ref, oid in theirs.items():
        assert mine[ref] == oid
        assert mine["refs/gitreg/remotes/origin/" + ref[len("refs/"):]] == oid
    assert "refs/gitreg/remotes/origin/gitreg/policy" in mine and "refs/deployed/production/m" in mine
    # the refspecs served the transfer only: a plain `git fetch` leaves the registry alone
    assert subprocess.run(["git", f"--git-dir={registry.path}", "config", "--get-all", "remote.origin.fetch"],
                          capture_output=True).returncode == 1
    assert git(registry.path, "config", "gitreg.remote").strip() == "origin"


def test_clone_checked_makes_the_same_registry_with_its_summary(source, tmp_path, refs, git):
    made = cloning.clone_checked(f"file://{source}", tmp_path / "checked.git")
    api = cloning.clone(f"file://{source}", tmp_path / "api.git")
    assert refs(made.path) == refs(api.path)
    assert (made.models, made.versions, made.bad, made.problems) == (1, 1, 0, [])
    assert git(made.path, "config", "gitreg.remote").strip() == "origin"
    assert subprocess.run(["git", f"--git-dir={made.path}", "config", "--get-all", "remote.origin.fetch"],
                          capture_output=True).returncode == 1


@pytest.mark.parametrize("clone", [cloning.clone, cloning.clone_checked])
def test_failed_clone_leaves_nothing_and_keeps_an_empty_target(tmp_path, clone):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RemoteError, match="cannot clone"):
        clone(f"file://{tmp_path}/missing.git", empty)
    assert empty.is_dir() and not any(empty.iterdir())
    with pytest.raises(RemoteError):
        clone(f"file://{tmp_path}/missing.git", tmp_path / "new.git")
    assert not (tmp_path / "new.git").exists()


@pytest.mark.parametrize("clone", [cloning.clone, cloning.clone_checked])
def test_clone_refuses_a_used_target_before_running_git(source, tmp_path, clone):
    used = tmp_path / "used"
    used.mkdir()
    (used / "file").write_text("x")
    with pytest.raises(GitregError, match="already exists"):
        clone(f"file://{source}", used)
    assert sorted(p.name for p in used.iterdir()) == ["file"]


def test_git_starts_before_pygit2_is_imported():
    assert modules_after("import gitreg.api.cloning", ["pygit2", "yaml"]) == []
