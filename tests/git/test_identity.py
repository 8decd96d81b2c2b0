"""Who writes: git's identity rules, a documented fallback, and user.useConfigOnly."""
from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys

import pytest

from gitreg import ModelRegistry


@pytest.fixture
def no_identity(monkeypatch):
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)


def test_environment_wins(reg, registry_path, git, monkeypatch):
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Committer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "c@example.com")
    reg.register_model("majora")
    assert git(registry_path, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "majora").strip() == (
        "Gitreg Tester <tester@example.com>|Committer <c@example.com>"
    )
    assert "tagger Committer <c@example.com>" in git(registry_path, "cat-file", "tag", "majora/v1")


def test_config_of_the_registry_is_used(no_identity, registry_path, git):
    reg = ModelRegistry(registry_path)
    reg.init()
    git(registry_path, "config", "user.name", "Config Person")
    git(registry_path, "config", "user.email", "config@example.com")
    v = reg.register_model("majora")
    assert v.registered_by == "Config Person <config@example.com>"
    reg.deploy("majora", "v1")
    assert reg.deployment_history("majora")[-1].deployed_by == "Config Person <config@example.com>"


def _register_in_fresh_process(registry_path, env_home) -> subprocess.CompletedProcess:
    """libgit2 reads $HOME once per process: a fresh one sees the test's empty home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "EMAIL"}
    env["HOME"] = str(env_home)
    code = (
        "import sys; from gitreg import ModelRegistry, GitregError\n"
        "try: print(ModelRegistry(sys.argv[1]).register_model('majora').registered_by)\n"
        "except GitregError as e: print('ERROR', type(e).__name__, e); sys.exit(1)\n"
    )
    return subprocess.run([sys.executable, "-c", code, str(registry_path)],
                          capture_output=True, text=True, env=env)


def test_fallback_to_login_at_host(registry_path, tmp_path):
    login = getpass.getuser()
    proc = _register_in_fresh_process(registry_path, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{login} <{login}@{socket.gethostname()}>"


def test_use_config_only_makes_a_missing_identity_an_error(registry_path, tmp_path, git, refs):
    ModelRegistry(registry_path).init()
    git(registry_path, "config", "user.useConfigOnly", "true")
    proc = _register_in_fresh_process(registry_path, tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("ERROR IdentityError no git identity: set user.name and user.email")
    assert refs(registry_path) == {}


def test_a_guessed_identity_is_warned_about_once_as_git_does(no_identity, tmp_path):
    """The real program with no identity anywhere: the write succeeds, and says so once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k == "GIT_CONFIG_NOSYSTEM"}
    proc = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(tmp_path / "r.git"), "add", "majora"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    login = getpass.getuser()
    warning = [line for line in proc.stderr.splitlines() if "no git identity configured" in line]
    assert len(warning) == 1, proc.stderr
    assert f"recording {login} <{login}@" in warning[0] and "git config --global user.email" in warning[0]
    configured = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(tmp_path / "r.git"), "add", "majora"],
                                capture_output=True, text=True,
                                env={**env, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com",
                                     "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.com"})
    assert configured.returncode == 0 and configured.stderr == ""


def test_an_identity_changed_between_writes_of_one_process_is_used_at_once(no_identity, registry_path, git):
    """The identity is kept between writes only while the environment and config files are
    unchanged: an edit of the registry's config between two registrations is the next one's."""
    reg = ModelRegistry(registry_path)
    reg.init()
    git(registry_path, "config", "user.name", "First Person")
    git(registry_path, "config", "user.email", "first@example.com")
    assert reg.register_model("m").registered_by == "First Person <first@example.com>"
    git(registry_path, "config", "user.name", "Second")  # same process, within the cache's TTL
    assert reg.register_model("m").registered_by == "Second <first@example.com>"
    assert git(registry_path, "log", "-1", "--format=%an|%cn", "m").strip() == "Second|Second"
