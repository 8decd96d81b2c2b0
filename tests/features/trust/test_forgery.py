"""Without signing, forged fast-forward deployment and notes commits (issue 22): `gitreg
verify` says what it can. Forgeries are made with plain git, as a collaborator would."""
from __future__ import annotations

import os
import subprocess

from tests.clients.cli.conftest import run_gitreg
from tests.conftest import ACTOR

MALLORY = {"GIT_AUTHOR_NAME": "Mallory", "GIT_AUTHOR_EMAIL": "mallory@example.com",
           "GIT_COMMITTER_NAME": "Mallory", "GIT_COMMITTER_EMAIL": "mallory@example.com"}
AS_ACTOR = {"GIT_AUTHOR_NAME": "Gitreg Tester", "GIT_AUTHOR_EMAIL": "tester@example.com",
            "GIT_COMMITTER_NAME": "Gitreg Tester", "GIT_COMMITTER_EMAIL": "tester@example.com"}


def g(repo, *args: str, input: str | None = None, env: dict | None = None) -> str:
    proc = subprocess.run(["git", f"--git-dir={repo}", *args], capture_output=True, text=True, input=input,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def forge_deployment(repo, tmp_path, version: str, previous: str, committer: dict) -> None:
    """A fast-forward deployment commit of m in production, deploying `version`, that
    claims the test's actor deployed it."""
    ref = "refs/deployed/production/m"
    record = (f"model_name: m\nversion: {version}\nenvironment: production\naction: deploy\n"
              f"previous_version: {previous}\ndeployed_by: {ACTOR}\n"
              "deployed_at: '2026-12-07T05:00:00+00:00'\nreason: ''\n")
    blob = g(repo, "hash-object", "-w", "--stdin", input=record)
    index = {"GIT_INDEX_FILE": str(tmp_path / "forge.index")}
    g(repo, "read-tree", f"refs/tags/m/{version}^{{tree}}", env=index)
    g(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},deployment.yaml", env=index)
    tree = g(repo, "write-tree", env=index)
    commit = g(repo, "commit-tree", tree, "-p", ref, "-m", f"deploy m {version} to production (was {previous})",
               env=committer)
    g(repo, "update-ref", ref, commit)


def verify(registry_path):
    return run_gitreg("-R", str(registry_path), "verify")


def test_forged_deployment_under_someone_elses_name(cli, tmp_path, registry_path):
    assert cli("add", "m").code == 0 and cli("add", "m").code == 0
    assert cli("deploy", "m", "v2").code == 0 and cli("status", "m", "v1", "deprecated").code == 0
    assert verify(registry_path).code == 0  # honest history: nothing flagged
    forge_deployment(registry_path, tmp_path, "v1", "v2", MALLORY)
    r = verify(registry_path)
    assert r.code == 1
    assert f"records deployed_by '{ACTOR}', but the commit was made by 'Mallory <mallory@example.com>'" \
        in " ".join(r.out.split()), r.out


def test_notes_commit_written_with_plain_git(cli, registry_path):
    assert cli("add", "m").code == 0 and cli("status", "m", "v1", "deprecated").code == 0
    assert verify(registry_path).code == 0
    commit = g(registry_path, "rev-parse", "refs/tags/m/v1^{commit}")
    g(registry_path, "notes", "--ref=refs/notes/gitreg/m", "add", "-f", "-m", "status: completed", commit,
      env=AS_ACTOR)
    r = verify(registry_path)
    assert r.code == 1 and "no Gitreg-Action/Gitreg-Time trailers: written with plain git" in " ".join(r.out.split())


def test_unsigned_commit_after_signed_ones_fails_without_local_signing_config(cli, tmp_path, registry_path,
                                                                           ssh_key):
    ssh_key.apply(registry_path)
    g(registry_path, "config", "gitreg.sign", "true")
    assert cli("add", "m").code == 0 and cli("add", "m").code == 0
    assert cli("deploy", "m", "v2").code == 0 and cli("status", "m", "v1", "deprecated").code == 0
    g(registry_path, "config", "--unset", "gitreg.sign")  # as in a clone whose user does not sign
    assert verify(registry_path).code == 0
    # a forgery copying the actor's name, gitreg's message and a well-formed record
    forge_deployment(registry_path, tmp_path, "v1", "v2", AS_ACTOR)
    r = verify(registry_path)
    flat = " ".join(r.out.split())
    assert r.code == 1 and "unsigned, after signed commit" in flat and "deployed_by" not in flat, r.out


def test_a_shared_policy_listing_signers_puts_signing_in_force(cli, tmp_path, registry_path):
    assert cli("add", "m").code == 0 and cli("deploy", "m", "v1").code == 0
    assert verify(registry_path).code == 0
    blob = g(registry_path, "hash-object", "-w", "--stdin",
             input='admins: [release@example.com]\nsigners:\n  - "release@example.com ssh-ed25519 AAAA"\n')
    tree = g(registry_path, "mktree", input=f"100644 blob {blob}\tpolicy.yaml\n")
    g(registry_path, "update-ref", "refs/gitreg/policy", g(registry_path, "commit-tree", tree, "-m", "policy"))
    r = verify(registry_path)
    assert r.code == 1 and "unsigned, but signing is in force for this registry" in " ".join(r.out.split())
