"""A remote that went backwards (issue 22): a collaborator force-pushes with plain git a
rewound deployment, a deleted version tag, a moved version tag. `pull` and synced writes
alarm with the refs and their old/new values, exit non-zero, change nothing here and never
offer --take-remote; `push` puts rewound and deleted refs back. Against a bare remote by
path and through Apache smart HTTP."""
from __future__ import annotations

import subprocess

import pytest

from tests.clients.cli.conftest import run_gitreg
from tests.servers.apache import apache  # noqa: F401  (fixture)


def plain_git(*args: str, cwd=None) -> str:
    proc = subprocess.run(["git", *args], capture_output=True, text=True, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def attacker_clone(tmp_path, url: str, server=None):
    """A collaborator's plain `git clone --mirror` that can force-push to `url`."""
    path = tmp_path / "attacker.git"
    plain_git("clone", "--quiet", "--mirror", url, str(path))
    plain_git(f"--git-dir={path}", "config", "--unset", "remote.origin.mirror")  # push names refs
    if server is not None:
        server.credentials(path)
    return path


def published(cli, url: str) -> None:
    """m v1, v2 registered, v1 then v2 deployed to production, all on `url`."""
    assert cli("remote", "add", "origin", url).code == 0
    assert cli("add", "m").code == 0
    assert cli("add", "m", "--parent", "v1").code == 0
    assert cli("deploy", "m", "v1").code == 0
    assert cli("deploy", "m", "v2").code == 0
    assert cli("add", "other").code == 0


def attack(attacker, kind: str) -> list[str]:
    """One plain-git rewrite pushed with --force; returns the refs it touched."""
    if kind == "rewind":
        ref = "refs/deployed/production/m"
        plain_git(f"--git-dir={attacker}", "push", "--quiet", "--force", "origin", f"{ref}~1:{ref}")
    elif kind == "delete":
        ref = "refs/tags/m/v1"
        plain_git(f"--git-dir={attacker}", "push", "--quiet", "origin", f":{ref}")
    else:
        ref = "refs/tags/m/v2"
        plain_git(f"--git-dir={attacker}", "tag", "-f", "-a", "-m", "forged", "m/v2", "refs/tags/m/v1^{commit}")
        plain_git(f"--git-dir={attacker}", "push", "--quiet", "--force", "origin", f"{ref}:{ref}")
    return [ref]


def check_alarm(cli, registry_path, refs, touched, before):
    for _ in range(2):  # the alarm stands: the mirror keeps the history as last seen
        r = cli("pull")
        assert r.code != 0, r.out
        assert "ALARM: origin went backwards" in r.err
        for ref in touched:
            assert ref in r.err
        assert "was " in r.err and "now " in r.err
        assert "--take-remote" not in r.err and "registered here and on the remote" not in r.err
        assert refs(registry_path) == before  # nothing taken in, local and mirror alike
    # a synced write touching that model refuses too; another model's writes go on
    r = cli("deploy", "m", "v1", "--env", "staging", "--new-env")
    assert r.code != 0 and "ALARM" in r.err
    assert "staging" not in " ".join(refs(registry_path))
    assert cli("add", "other").code == 0


@pytest.mark.parametrize("kind", ["rewind", "delete", "move"])
def test_force_pushed_rewrite_on_a_bare_remote_alarms(cli, tmp_path, bare_remote, git, refs, registry_path, kind):
    published(cli, str(bare_remote))
    attacker = attacker_clone(tmp_path, str(bare_remote))
    touched = attack(attacker, kind)
    before = refs(registry_path)
    check_alarm(cli, registry_path, refs, touched, before)
    if kind != "move":  # push puts a rewound or deleted ref back from the local history
        assert cli("push").code == 0
        assert refs(bare_remote)[touched[0]] == before[touched[0]]
        assert cli("pull").code == 0


def test_rewrites_through_apache_smart_http(cli, tmp_path, apache, git, refs, registry_path):  # noqa: F811
    url = apache.repo()
    assert cli("init").code == 0
    apache.credentials(registry_path)
    published(cli, url)
    attacker = attacker_clone(tmp_path, url, apache)
    touched = attack(attacker, "rewind") + attack(attacker, "move") + attack(attacker, "delete")
    before = refs(registry_path)
    r = cli("pull")
    assert r.code != 0 and all(ref in r.err for ref in touched)
    assert "--take-remote" not in r.err and refs(registry_path) == before
    # a fresh clone of the rewritten remote works, and holds the rewritten state
    fresh = tmp_path / "fresh.git"
    assert run_gitreg("clone", url, str(fresh)).code == 0


def test_honest_history_never_alarms(cli, tmp_path, bare_remote, registry_path):
    """Fast-forwards by another clone (deploys, notes, new versions) come in as before."""
    published(cli, str(bare_remote))
    other = tmp_path / "other.git"
    assert run_gitreg("clone", str(bare_remote), str(other)).code == 0
    for args in (("add", "m"), ("deploy", "m", "v3"), ("status", "m", "v1", "deprecated"), ("rollback", "m")):
        assert run_gitreg("-R", str(other), *args).code == 0, args
    r = cli("pull")
    assert r.code == 0 and "ALARM" not in r.err


def test_moved_tag_the_mirror_never_saw_is_still_a_rewrite(cli, tmp_path, bare_remote, git, refs, registry_path):
    """A version pushed by an older gitreg (its mirror never learned the tag): the remote's
    branch holds the version commit, so a different tag there was moved, not registered twice."""
    published(cli, str(bare_remote))
    git(registry_path, "update-ref", "-d", "refs/gitreg/remotes/origin/tags/m/v2")
    attack(attacker_clone(tmp_path, str(bare_remote)), "move")
    own = lambda: {r: v for r, v in refs(registry_path).items() if not r.startswith("refs/gitreg/")}  # noqa: E731
    before = own()
    for _ in range(2):
        r = cli("pull")
        assert r.code != 0 and "refs/tags/m/v2" in r.err and "moved (a version tag never moves)" in r.err
        assert "--take-remote" not in r.err and "registered here" not in r.err
        assert own() == before
