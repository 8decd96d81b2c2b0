"""A compare-and-swap with no reflog to write takes and commits git's own lock files itself
(gitreg/git/refs/lockfiles.py): the same refs, conflicts and leftovers as through libgit2's
transactions, which are still used when git's configuration asks for a reflog."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pygit2
import pytest

from gitreg.core.errors import GitregError
from gitreg.git import config as gitconfig
from gitreg.git.refs import lockfiles, lockowner
from gitreg.git.refs.transaction import RefConflict, RefUpdate, update_refs


def _repo(tmp_path: Path) -> tuple[pygit2.Repository, Path, list[pygit2.Oid]]:
    gitdir = tmp_path / "r.git"
    repo = pygit2.init_repository(str(gitdir), bare=True)
    sig = pygit2.Signature("a", "a@example.com", 1, 0)
    first = repo.create_commit(None, sig, sig, "one", repo.TreeBuilder().write(), [])
    second = repo.create_commit(None, sig, sig, "two", repo.TreeBuilder().write(), [first])
    repo.references.create("refs/heads/m", first)
    return repo, gitdir, [first, second]


def _locks(gitdir: Path) -> list[Path]:
    return sorted(gitdir.rglob("*.lock"))


def test_a_version_and_its_branch_move_through_lock_files_git_reads(tmp_path, git):
    repo, gitdir, (first, second) = _repo(tmp_path)
    assert lockfiles.plain(repo, gitconfig.read(gitdir), ["refs/tags/m/v1", "refs/heads/m"])
    update_refs(repo, [RefUpdate("refs/tags/m/v1", None, second), RefUpdate("refs/heads/m", first, second)],
                "test", guards={"refs/heads/x": None})
    assert git(gitdir, "rev-parse", "refs/tags/m/v1", "refs/heads/m").split() == [str(second)] * 2
    assert (gitdir / "refs/tags/m/v1").read_text() == f"{second}\n"  # git's loose ref format
    assert not (gitdir / "refs/heads/x").exists()  # a guard is locked, compared, never written
    assert _locks(gitdir) == [] and lockowner.records(gitdir) == []
    assert not (gitdir / "logs").exists()  # a bare repository keeps no reflog
    git(gitdir, "fsck", "--strict", "--no-progress")


def test_a_ref_that_moved_is_a_conflict_and_nothing_moves(tmp_path):
    repo, gitdir, (first, second) = _repo(tmp_path)
    with pytest.raises(RefConflict) as caught:
        update_refs(repo, [RefUpdate("refs/tags/m/v1", None, second), RefUpdate("refs/heads/m", second, first)],
                    "test")
    assert caught.value.ref == "refs/heads/m" and caught.value.lock_file is None
    assert "refs/tags/m/v1" not in repo.references and repo.references["refs/heads/m"].target == first
    assert _locks(gitdir) == [] and lockowner.records(gitdir) == []


def test_a_lock_another_writer_holds_is_a_conflict_naming_it_and_is_left_alone(tmp_path):
    repo, gitdir, (first, second) = _repo(tmp_path)
    held = gitdir / "refs/heads/m.lock"
    held.write_text("")  # git's, or a live writer's: no owner record names it
    with pytest.raises(RefConflict) as caught:
        update_refs(repo, [RefUpdate("refs/tags/m/v1", None, second), RefUpdate("refs/heads/m", first, second)],
                    "test")
    assert caught.value.lock_file == held and held.exists()
    assert _locks(gitdir) == [held]  # ours (the tag's, had it been taken) are gone
    assert "refs/tags/m/v1" not in repo.references and repo.references["refs/heads/m"].target == first


def test_a_check_that_refuses_leaves_the_refs_and_no_lock(tmp_path):
    repo, gitdir, (first, second) = _repo(tmp_path)
    seen = []

    def check() -> None:  # every lock is taken, and its inode recorded, before it runs
        seen.append(sorted(p.name for p in _locks(gitdir)))
        raise GitregError("refused")

    with pytest.raises(GitregError, match="refused"):
        update_refs(repo, [RefUpdate("refs/tags/new/v1", None, second), RefUpdate("refs/heads/m", first, second)],
                    "test", check=check)
    assert seen == [["m.lock", "v1.lock"]]
    assert repo.references["refs/heads/m"].target == first and "refs/tags/new/v1" not in repo.references
    assert _locks(gitdir) == [] and lockowner.records(gitdir) == []


def test_a_dead_writers_lock_is_completed_through_the_lock_files(tmp_path):
    """A writer killed after moving the tag and before the branch left the branch's lock and its
    owner record: the next write rolls the branch forward (lockowner + finish_interrupted)."""
    repo, gitdir, (first, second) = _repo(tmp_path)
    (gitdir / "refs/tags/m").mkdir(parents=True)
    (gitdir / "refs/tags/m/v1").write_text(f"{second}\n")
    lock = gitdir / "refs/heads/m.lock"
    lock.write_text("")
    (gitdir / lockowner.DIR_NAME).mkdir()
    record = {**lockowner.me(), "pid": 2 ** 22 + 12345, "started": "1", "created": os.stat(lock).st_mtime,
              "locks": {"refs/heads/m.lock": os.stat(lock).st_ino},
              "pending": {"refs/tags/m/v1": [None, str(second)], "refs/heads/m": [str(first), str(second)]}}
    (gitdir / lockowner.DIR_NAME / "dead.json").write_text(json.dumps(record))
    with pytest.raises(RefConflict):  # the interrupted write is completed: this one rebuilds on it
        update_refs(repo, [RefUpdate("refs/heads/m", first, second)], "test")
    assert repo.references["refs/heads/m"].target == second
    assert _locks(gitdir) == [] and lockowner.records(gitdir) == []


def test_with_reflogs_configured_libgit2_writes_them(tmp_path, git):
    _, gitdir, (first, second) = _repo(tmp_path)
    git(gitdir, "config", "core.logAllRefUpdates", "always")
    repo = pygit2.Repository(str(gitdir))  # libgit2 reads core.* once per opened repository
    assert not lockfiles.plain(repo, gitconfig.read(gitdir), ["refs/heads/m"])
    update_refs(repo, [RefUpdate("refs/tags/m/v1", None, second), RefUpdate("refs/heads/m", first, second)],
                "gitreg: register m v1")
    assert "gitreg: register m v1" in (gitdir / "logs/refs/heads/m").read_text()
    assert (gitdir / "logs/refs/tags/m/v1").exists()
    assert _locks(gitdir) == [] and lockowner.records(gitdir) == []
    git(gitdir, "config", "core.logAllRefUpdates", "false")
    assert lockfiles.plain(repo, gitconfig.read(gitdir), ["refs/heads/m"])


def test_names_git_refuses_and_unknown_configuration_go_through_libgit2(tmp_path):
    repo, gitdir, _ = _repo(tmp_path)
    config = gitconfig.read(gitdir)
    assert not lockfiles.plain(repo, config, ["refs/heads/a..b"])
    assert not lockfiles.plain(repo, config, ["refs/heads/a.lock"])
    assert not lockfiles.plain(repo, None, ["refs/heads/m"])  # git could not say
    work = pygit2.init_repository(str(tmp_path / "work"))  # not bare: libgit2 keeps reflogs there
    assert not lockfiles.plain(work, gitconfig.read(Path(work.path)), ["refs/heads/m"])
