"""`gitreg remote/clone/push/pull` and `--offline` as a user types them, against a real git daemon."""
from __future__ import annotations

import pytest

from tests.clients.cli.conftest import run_gitreg


@pytest.fixture
def origin(git_daemon):
    return git_daemon.repo()


def test_remote_add_list_remove(cli, origin):
    assert cli("remote", "list").out == ""
    r = cli("remote", "add", "origin", origin)
    assert r.code == 0 and "sync" in r.out
    assert cli("remote", "add", "backup", "/srv/backup.git").code == 0
    assert cli("remote", "list").out.splitlines() == ["backup\t/srv/backup.git", f"origin\t{origin}\t(sync)"]
    assert cli("remote", "list", "--json").out.count('"sync": true') == 1
    assert cli("remote", "remove", "backup").code == 0
    assert [line.split("\t")[0] for line in cli("remote", "list").out.splitlines()] == ["origin"]


@pytest.mark.parametrize("args, message", [
    (("remote", "add", "bad/name", "/x"), "remote name"),
    (("remote", "remove", "nope"), "no remote named 'nope'"),
    (("push",), "no sync remote"),
    (("pull", "nope"), "no remote named 'nope'"),
])
def test_bad_remote_use_is_one_line(cli, args, message):
    r = cli(*args)
    assert r.code == 1 and message in r.err and len(r.err.strip().splitlines()) == 1


def test_clone_push_pull_session(cli, tmp_path, origin, git_daemon, refs):
    assert cli("add", "majora", "--accuracy", "0.8").code == 0
    assert cli("remote", "add", "origin", origin).code == 0
    pushed = cli("push")
    assert pushed.code == 0 and "Pushed 2 refs to origin" in pushed.out
    assert cli("push").out.strip() == "origin is up to date"

    clone = tmp_path / "clone.git"
    r = run_gitreg("clone", origin, str(clone))
    assert r.code == 0 and "1 model, 1 version" in r.out
    assert run_gitreg("-R", str(clone), "add", "majora", "--parent", "v1").code == 0
    assert run_gitreg("-R", str(clone), "deploy", "majora", "v2").code == 0

    pulled = cli("pull")
    assert pulled.code == 0 and "new      refs/tags/majora/v2" in pulled.out
    assert "majora" in cli("info", "majora").out and "v2" in cli("versions", "majora").out


def test_offline_flag_and_unreachable_remote(cli, registry_path, refs):
    assert cli("add", "m").code == 0
    assert cli("remote", "add", "origin", "git://127.0.0.1:9/none.git").code == 0
    before = refs(registry_path)
    r = cli("add", "m")
    assert r.code == 1 and r.err.startswith("gitreg: error: cannot fetch from origin")
    assert len(r.err.strip().splitlines()) == 1 and refs(registry_path) == before
    r = cli("--offline", "add", "m")
    assert r.code == 0 and "m v2" in r.out


def test_pull_conflict_exits_nonzero_and_take_remote_resolves(cli, tmp_path, origin, registry_path):
    assert cli("remote", "add", "origin", origin).code == 0
    assert cli("add", "m").code == 0
    other = tmp_path / "other.git"
    assert run_gitreg("clone", origin, str(other)).code == 0
    assert run_gitreg("-R", str(other), "--offline", "add", "m", "--notes", "theirs").code == 0
    assert cli("--offline", "add", "m", "--notes", "ours").code == 0
    assert run_gitreg("-R", str(other), "push").code == 0

    r = cli("pull")
    assert r.code == 1 and "refs/tags/m/v2: here" in r.err and "--take-remote" in r.err
    r = cli("pull", "--take-remote")
    assert r.code == 0 and "yours is kept at refs/gitreg/saved/" in r.out
    assert "theirs" in cli("show", "m", "v2").out


def test_a_big_push_names_a_few_refs_and_counts_the_rest(cli, tmp_path, git, refs):
    """A first push of a grown registry sends 100,000s of refs: the listing is capped."""
    from gitreg.clients.cli.commands.push import LISTED

    for model in ("a", "b", "c"):
        for _ in range(8):
            assert cli("add", model).code == 0
    remote = tmp_path / "remote.git"
    git(remote, "init", "--bare", "--quiet")
    assert cli("remote", "add", "--no-sync", "backup", str(remote)).code == 0
    r = cli("push", "backup")
    listed = [line for line in r.out.splitlines() if line.startswith("  refs/")]
    assert r.code == 0 and len(listed) == LISTED and f"  ... and {27 - LISTED} more" in r.out
    assert "Pushed 27 refs to backup" in r.out and len(refs(remote)) == 27
