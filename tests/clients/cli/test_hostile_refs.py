"""Hostile refs pushed with plain git to a shared remote (issue 22): a branch that is not a
model's, a case twin of an environment and of a model, a reserved and an invalid name, notes of
a model that does not exist, a version tag on a blob. Each is a named problem in `pull`,
`clone`, `list` and `doctor`, and none blocks clone, reads or writes of anything else."""
from __future__ import annotations

import subprocess

from tests.clients.cli.conftest import run_gitreg

HOSTILE = {
    "refs/heads/code": "does not start with a model root commit",
    "refs/deployed/Production/m": "differs only in case from 'production'",
    "refs/heads/M": "differs only in case from 'm'",
    "refs/deployed/latest/m": "reserved",
    "refs/deployed/prod/-x": "invalid model name '-x'",
    "refs/notes/gitreg/ghost": "notes of model 'ghost', which does not exist",
    "refs/tags/m/v99": "a commit",  # "not a commit" or "does not lead to a commit", as read
}


def g(repo, *args: str, input: str | None = None) -> str:
    proc = subprocess.run(["git", f"--git-dir={repo}", *args], capture_output=True, text=True, input=input)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def push_hostile_refs(tmp_path, remote) -> None:
    """A collaborator's plain-git pushes of every ref in HOSTILE."""
    att = tmp_path / "attacker.git"
    subprocess.run(["git", "clone", "--quiet", "--mirror", str(remote), str(att)], check=True)
    g(att, "config", "--unset", "remote.origin.mirror")
    empty = g(att, "hash-object", "-w", "-t", "tree", "/dev/null")
    code = g(att, "commit-tree", empty, "-m", "code")
    deployed = g(att, "rev-parse", "refs/deployed/production/m")
    blob = g(att, "hash-object", "-w", "--stdin", input="not a version\n")
    targets = {"refs/heads/code": code, "refs/heads/M": g(att, "rev-parse", "refs/heads/m"),
               "refs/tags/m/v99": blob}
    for ref in HOSTILE:
        g(att, "update-ref", ref, targets.get(ref, deployed))
    g(att, "push", "--quiet", "origin", *HOSTILE)


def assert_named(result, prefix: str = "") -> None:
    for ref, why in HOSTILE.items():
        assert any(line.startswith(f"gitreg: problem: {ref}: {prefix}") and why in line
                   for line in result.err.splitlines()), (ref, result.err)


def test_hostile_refs_are_named_and_never_block(cli, tmp_path, bare_remote, refs, registry_path):
    assert cli("remote", "add", "origin", str(bare_remote)).code == 0
    assert cli("add", "m").code == 0 and cli("add", "m").code == 0
    assert cli("deploy", "m", "v1").code == 0
    push_hostile_refs(tmp_path, bare_remote)
    other = tmp_path / "other.git"

    # clone: succeeds, names each one; the good refs are all there
    r = run_gitreg("clone", str(bare_remote), str(other))
    assert r.code == 1 and "Cloned" in r.out and "1 model, 2 versions" in r.out, r.err
    assert_named(r)
    # list and doctor name them; `code` is not listed as a model
    r = run_gitreg("-R", str(other), "list")
    assert r.code == 1 and "code" not in r.out and "v2" in r.out
    assert_named(r)
    r = run_gitreg("-R", str(other), "doctor")
    assert r.code == 1
    for ref, why in HOSTILE.items():
        assert any(line.startswith(f"hostile-ref: {ref}: ") and why in line for line in r.out.splitlines()), ref
    # writes of everything else go on; the tag on a blob never counts for auto-increment
    r = run_gitreg("-R", str(other), "add", "m")
    assert r.code == 0 and "m v3" in r.out, r.err
    r = run_gitreg("-R", str(other), "deploy", "m", "v3", "--env", "production")
    assert r.code == 0, r.err
    assert run_gitreg("-R", str(other), "show", "m@production").out.count("v3") >= 1
    r = run_gitreg("-R", str(other), "add", "code")
    assert r.code == 1 and "refs/heads/code is not a model's branch" in r.err
    assert run_gitreg("-R", str(other), "add", "fresh").code == 0
    r = run_gitreg("-R", str(other), "deploy", "m", "v3", "--env", "PRODUCTION", "--new-env")
    assert r.code == 1 and "differs only in case" in r.err

    # a push to another remote never spreads them: each is named, the rest goes
    second = tmp_path / "second.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(second)], check=True)
    assert run_gitreg("-R", str(other), "remote", "add", "second", str(second), "--no-sync").code == 0
    r = run_gitreg("-R", str(other), "push", "second")
    assert r.code == 1 and "refs/tags/m/v3" in r.out, r.err
    for ref in HOSTILE:
        assert f"gitreg: problem: {ref}: not pushed to second: " in r.err, ref
    assert not set(HOSTILE) & set(refs(second))

    # pull: names each one, takes none of them in, takes the good work in
    r = cli("pull")
    assert r.code == 1 and "new      refs/tags/m/v3" in r.out and "new      refs/heads/fresh" in r.out
    assert_named(r, "on origin, not taken in: ")
    assert not set(HOSTILE) & set(refs(registry_path))
    r = cli("add", "m")
    assert r.code == 0 and "m v4" in r.out, r.err
    assert cli("deploy", "m", "v4").code == 0  # production, beside the remote's Production twin
    assert cli("list").code == 0  # nothing hostile here: nothing to report
