"""Identity and signing key come from git's configuration as the git command reads it now:
GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM, GIT_CONFIG_COUNT/KEY/VALUE, includes."""
from __future__ import annotations

import subprocess

import pytest

from gitreg import ModelRegistry


@pytest.fixture
def no_identity_env(monkeypatch):
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{role}_NAME", raising=False)
        monkeypatch.delenv(f"GIT_{role}_EMAIL", raising=False)
    return monkeypatch


def _tagger(git, path, ref) -> str:
    raw = git(path, "cat-file", "tag", ref)
    line = next(line for line in raw.splitlines() if line.startswith("tagger "))
    return line[len("tagger "):].rsplit(" ", 2)[0]


def _git_var(git, path) -> str:
    return git(path, "var", "GIT_COMMITTER_IDENT").strip().rsplit(" ", 2)[0]


def test_global_file_env_pairs_and_includes_as_git_reads_them(no_identity_env, tmp_path, registry_path, git):
    included = tmp_path / "included.gitconfig"
    included.write_text("[user]\n\tname = Included Name\n")
    glob = tmp_path / "global.gitconfig"
    glob.write_text(f"[include]\n\tpath = {included}\n[user]\n\temail = global@example.com\n")
    no_identity_env.setenv("GIT_CONFIG_GLOBAL", str(glob))
    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    assert _tagger(git, registry_path, "m/v1") == "Included Name <global@example.com>" == _git_var(git, registry_path)

    # GIT_CONFIG_COUNT/KEY/VALUE override the files, as in git
    no_identity_env.setenv("GIT_CONFIG_COUNT", "1")
    no_identity_env.setenv("GIT_CONFIG_KEY_0", "user.email")
    no_identity_env.setenv("GIT_CONFIG_VALUE_0", "pair@example.com")
    reg.register_model("m")  # the same long-lived registry object and process
    assert _tagger(git, registry_path, "m/v2") == "Included Name <pair@example.com>" == _git_var(git, registry_path)
    author = git(registry_path, "log", "-1", "--format=%an <%ae>", "m/v2").strip()
    assert author == "Included Name <pair@example.com>"


def test_system_file_and_nosystem(no_identity_env, tmp_path, registry_path, git):
    system = tmp_path / "system.gitconfig"
    system.write_text("[user]\n\tname = System Name\n\temail = system@example.com\n")
    no_identity_env.setenv("GIT_CONFIG_SYSTEM", str(system))
    no_identity_env.delenv("GIT_CONFIG_NOSYSTEM", raising=False)
    no_identity_env.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "none"))
    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    assert _tagger(git, registry_path, "m/v1") == "System Name <system@example.com>" == _git_var(git, registry_path)
    no_identity_env.setenv("GIT_CONFIG_NOSYSTEM", "1")
    no_identity_env.setenv("GIT_COMMITTER_NAME", "Env Name")
    no_identity_env.setenv("GIT_COMMITTER_EMAIL", "env@example.com")
    reg.register_model("m")
    assert _tagger(git, registry_path, "m/v2") == "Env Name <env@example.com>" == _git_var(git, registry_path)


def test_signing_key_from_config_env_pairs(tmp_path, registry_path, git, monkeypatch):
    key = tmp_path / "signing_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"tester@example.com {(tmp_path / 'signing_key.pub').read_text()}")
    pairs = {"gpg.format": "ssh", "user.signingkey": str(key), "gitreg.sign": "true",
             "gpg.ssh.allowedSignersFile": str(allowed)}
    monkeypatch.setenv("GIT_CONFIG_COUNT", str(len(pairs)))
    for i, (k, v) in enumerate(pairs.items()):
        monkeypatch.setenv(f"GIT_CONFIG_KEY_{i}", k)
        monkeypatch.setenv(f"GIT_CONFIG_VALUE_{i}", v)
    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    reg.update_evaluation_scores("m", "v1", accuracy=0.9)  # a notes commit: signed too
    assert "SSH SIGNATURE" in git(registry_path, "cat-file", "tag", "m/v1")
    git(registry_path, "verify-tag", "m/v1")
    git(registry_path, "verify-commit", "refs/notes/gitreg/m")
    assert reg.verify().ok


def test_pull_merge_commits_are_signed(tmp_path, git, ssh_key):
    remote = tmp_path / "remote.git"
    ModelRegistry(remote).register_model("m")
    a = ModelRegistry.clone(str(remote), tmp_path / "a.git")
    b = ModelRegistry.clone(str(remote), tmp_path / "b.git")
    for path in (tmp_path / "a.git", tmp_path / "b.git"):
        ssh_key.apply(path)
        git(path, "config", "gitreg.sign", "true")
    a.register_model("m", version="v2a")
    a.update_evaluation_scores("m", "v1", accuracy=0.1)
    a.push()
    offline = ModelRegistry(tmp_path / "b.git", offline=True)
    offline.register_model("m", version="v2b")
    offline.update_evaluation_scores("m", "v1", f1_score=0.2)
    b.pull()
    path = tmp_path / "b.git"
    for ref in ("refs/heads/m", "refs/notes/gitreg/m"):
        assert len(git(path, "log", "-1", "--format=%P", ref).split()) == 2, ref  # a merge
        git(path, "verify-commit", ref)  # signed
    # only what the remote registered before signing was on is unsigned
    failures = {c.subject for c in ModelRegistry(path).verify().failures}
    assert failures == {"refs/tags/m/v1"}, failures


def test_gitreg_settings_are_read_as_git_reads_them(monkeypatch, tmp_path, registry_path):
    """gitreg.timeout and gitreg.store from GIT_CONFIG_GLOBAL and GIT_CONFIG_COUNT/KEY/VALUE
    (libgit2 alone sees neither), with and without a registry."""
    from gitreg.features.artifacts.get import store_default
    from gitreg.git.repository import Store
    from gitreg.git.transport.cloning import DEFAULT_TIMEOUT, timeout_seconds

    ModelRegistry(registry_path).init()
    store = Store.open(registry_path)
    assert timeout_seconds(registry_path) == DEFAULT_TIMEOUT and not store_default(store)
    glob = tmp_path / "global.gitconfig"
    glob.write_text("[gitreg]\n\ttimeout = 7\n\tstore = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(glob))
    assert timeout_seconds(registry_path) == 7 and timeout_seconds(None) == 7
    assert store_default(store) and store_default(None)
    pairs = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gitreg.timeout", "GIT_CONFIG_VALUE_0": "2"}
    for key, value in pairs.items():
        monkeypatch.setenv(key, value)
    assert timeout_seconds(registry_path) == 2 and timeout_seconds(None) == 2
