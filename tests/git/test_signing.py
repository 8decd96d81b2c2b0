"""Signing: version tags and deployment commits that plain git accepts, under git's own
configuration, and no write at all when signing was asked for and cannot be done."""
from __future__ import annotations

import subprocess
import time

import pytest

from gitreg import ModelRegistry, SigningError


def git_ok(path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", f"--git-dir={path}", *args], capture_output=True, text=True)


def assert_unsigned_tag(path, ref: str) -> None:
    assert "-----BEGIN" not in git_ok(path, "cat-file", "tag", ref).stdout


@pytest.mark.parametrize("key_fixture", ["ssh_key", "gpg_key"])
def test_signed_version_and_deployment_pass_git_verification(request, key_fixture, registry_path, git, fsck):
    key = request.getfixturevalue(key_fixture)
    key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    reg = ModelRegistry(registry_path)
    reg.register_model("majora", notes="first")
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")
    reg.undeploy("majora")

    for version in ("v1", "v2"):
        proc = git_ok(registry_path, "tag", "-v", f"majora/{version}")
        assert proc.returncode == 0, proc.stderr
        assert key.fingerprint in proc.stderr
        assert git_ok(registry_path, "verify-commit", f"majora/{version}^{{commit}}").returncode == 0
    # every deployment commit, not only the tip
    for rev in ("refs/deployed/production/majora", "refs/deployed/production/majora~1",
                "refs/deployed/production/majora~2"):
        proc = git_ok(registry_path, "verify-commit", "--raw", rev)
        assert proc.returncode == 0, proc.stderr
        assert key.fingerprint in proc.stderr
    # the tag message is kept in front of the signature, as `git tag -s` writes it
    raw = git(registry_path, "cat-file", "tag", "majora/v1")
    assert "\n\nmajora v1\n\nfirst\n-----BEGIN " in raw
    assert fsck(registry_path) == []


def test_tag_gpgsign_signs_tags_and_commit_gpgsign_signs_deployments(ssh_key, registry_path, git):
    ssh_key.apply(registry_path)
    git(registry_path, "config", "tag.gpgSign", "true")
    reg = ModelRegistry(registry_path)
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    assert git_ok(registry_path, "tag", "-v", "majora/v1").returncode == 0
    assert git_ok(registry_path, "verify-commit", "refs/deployed/production/majora").returncode != 0

    git(registry_path, "config", "commit.gpgSign", "true")
    reg.register_model("majora")
    reg.deploy("majora", "v2")
    assert git_ok(registry_path, "verify-commit", "refs/deployed/production/majora").returncode == 0


def test_gitreg_sign_false_wins_over_tag_gpgsign(ssh_key, registry_path, git):
    ssh_key.apply(registry_path)
    git(registry_path, "config", "tag.gpgSign", "true")
    git(registry_path, "config", "gitreg.sign", "false")
    ModelRegistry(registry_path).register_model("majora")
    assert_unsigned_tag(registry_path, "majora/v1")
    assert git_ok(registry_path, "tag", "-v", "majora/v1").returncode != 0


def test_sign_argument_overrides_configuration(ssh_key, registry_path, git):
    ssh_key.apply(registry_path)
    reg = ModelRegistry(registry_path)
    reg.register_model("majora", sign=True)
    reg.deploy("majora", "v1", sign=True)
    assert git_ok(registry_path, "tag", "-v", "majora/v1").returncode == 0
    assert git_ok(registry_path, "verify-commit", "refs/deployed/production/majora").returncode == 0

    git(registry_path, "config", "gitreg.sign", "true")
    reg.register_model("majora", sign=False)
    reg.undeploy("majora", sign=False)
    assert_unsigned_tag(registry_path, "majora/v2")
    assert git_ok(registry_path, "verify-commit", "refs/deployed/production/majora").returncode != 0


@pytest.mark.parametrize("setting, message", [
    (("user.signingkey", "/nonexistent/key"), "is not a key file"),
    (("gpg.ssh.program", "/nonexistent/ssh-keygen"), "not found"),
    (("gpg.format", "pgp2"), "unknown gpg.format"),
])
def test_signing_that_cannot_work_writes_nothing(ssh_key, registry_path, git, refs, setting, message):
    ssh_key.apply(registry_path)
    reg = ModelRegistry(registry_path)
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    before = refs(registry_path)
    git(registry_path, "config", *setting)
    git(registry_path, "config", "gitreg.sign", "true")
    with pytest.raises(SigningError, match=message):
        reg.register_model("majora")
    with pytest.raises(SigningError, match=message):
        reg.register_model("oracle")
    with pytest.raises(SigningError, match=message):
        reg.undeploy("majora")
    assert refs(registry_path) == before


def test_a_failing_signer_writes_nothing(gpg_key, registry_path, git, refs):
    """gpg itself fails (no such secret key): the error says so and no ref moves."""
    gpg_key.apply(registry_path)
    reg = ModelRegistry(registry_path)
    reg.register_model("majora")
    reg.deploy("majora", "v1")
    before = refs(registry_path)
    git(registry_path, "config", "user.signingkey", "0123456789ABCDEF0123456789ABCDEF01234567")
    with pytest.raises(SigningError, match="failed to sign"):
        reg.register_model("majora", sign=True)
    with pytest.raises(SigningError, match="failed to sign"):
        reg.undeploy("majora", sign=True)
    assert refs(registry_path) == before


def test_ssh_without_a_signing_key_is_an_error(registry_path, git, refs):
    ModelRegistry(registry_path).init()
    git(registry_path, "config", "gpg.format", "ssh")
    with pytest.raises(SigningError, match="user.signingkey is not set"):
        ModelRegistry(registry_path).register_model("majora", sign=True)
    assert refs(registry_path) == {}


def test_require_signed_refuses_unsigned_writes(ssh_key, registry_path, git, refs):
    ssh_key.apply(registry_path)
    reg = ModelRegistry(registry_path)
    reg.register_model("majora")
    before = refs(registry_path)
    git(registry_path, "config", "gitreg.requireSigned", "true")
    with pytest.raises(SigningError, match="requireSigned"):
        reg.register_model("majora")
    with pytest.raises(SigningError, match="--no-sign"):
        reg.register_model("majora", sign=False)
    with pytest.raises(SigningError, match="requireSigned"):
        reg.deploy("majora", "v1")
    assert refs(registry_path) == before

    git(registry_path, "config", "tag.gpgSign", "true")  # tags signed; deployments still refused
    reg.register_model("majora")
    with pytest.raises(SigningError, match="commit.gpgSign"):
        reg.deploy("majora", "v2")
    reg.deploy("majora", "v2", sign=True)
    assert git_ok(registry_path, "tag", "-v", "majora/v2").returncode == 0
    assert git_ok(registry_path, "verify-commit", "refs/deployed/production/majora").returncode == 0


def test_literal_ssh_key_signs_through_ssh_agent(ssh_key, registry_path, git, monkeypatch, tmp_path):
    """user.signingkey 'key::<public key>': the private key lives only in ssh-agent (-U)."""
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        subprocess.run(["ssh-add", "-q", ssh_key.signingkey], check=True, capture_output=True)
        ssh_key.apply(registry_path)
        public = open(f"{ssh_key.signingkey}.pub").read().strip()
        git(registry_path, "config", "user.signingkey", f"key::{public}")
        ModelRegistry(registry_path).register_model("majora", sign=True)
    finally:
        agent.terminate()
        agent.wait()
    proc = git_ok(registry_path, "tag", "-v", "majora/v1")
    assert proc.returncode == 0, proc.stderr
    assert ssh_key.fingerprint in proc.stderr
