"""Who a ref's log names: a registration's committer, as git reads it (GIT_COMMITTER_* and the
config git reads), not libgit2's own guess from the config files it found at load time; and the
identity given for one write is not left behind for the next."""
from __future__ import annotations

import pygit2

from gitreg import ModelRegistry
from gitreg.git.refs.transaction import RefUpdate, update_refs
from tests.conftest import git


def _log(path, ref: str) -> list[tuple[str, str, str]]:
    repo = pygit2.Repository(str(path))
    return [(e.committer.name, e.committer.email, e.message) for e in repo.references[ref].log()]


def test_registration_logs_name_the_committer(tmp_path, monkeypatch):
    path = tmp_path / "r.git"
    ModelRegistry(path).register_model("m")
    git(path, "config", "core.logAllRefUpdates", "always")
    git(path, "config", "user.name", "Config Name")  # libgit2's default would take these
    git(path, "config", "user.email", "config@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Env Committer")  # git's committer wins over them
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "env@example.com")
    v2 = ModelRegistry(path).register_model("m")  # a process that opens it configured so
    assert _log(path, "refs/heads/m")[0] == ("Env Committer", "env@example.com", "gitreg: register m v2")
    assert _log(path, "refs/tags/m/v2")[0][:2] == ("Env Committer", "env@example.com")
    assert v2.registered_by.startswith("Env Committer <env@example.com>")


def test_ident_is_for_one_write_only(tmp_path):
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    repo.config["core.logAllRefUpdates"] = "always"
    repo.config["user.name"] = "Config Name"
    repo.config["user.email"] = "config@example.com"
    sig = pygit2.Signature("A", "a@example.com")
    tree = repo.TreeBuilder().write()
    one = repo.create_commit(None, sig, sig, "one", tree, [])
    two = repo.create_commit(None, sig, sig, "two", tree, [one])
    update_refs(repo, [RefUpdate("refs/heads/x", None, one)], "first", ident=("Given", "given@example.com"))
    update_refs(repo, [RefUpdate("refs/heads/x", one, two)], "second")
    log = _log(tmp_path / "r.git", "refs/heads/x")
    assert [(name, message) for name, _, message in log] == [("Config Name", "second"), ("Given", "first")]
