"""The environment part of the configuration's state (gitconfig._environment): the same answer
however the environment is read (its names listed when it is small, each variable asked for
when it is large), so a change of any variable git's answers depend on is seen."""
from __future__ import annotations

import os

from gitreg.git import config as gitconfig


def _asked() -> tuple:
    """What _environment must answer, asked variable by variable."""
    env = os.environ
    values = tuple(env.get(name) for name in gitconfig._ENV)
    try:
        count = int(env.get("GIT_CONFIG_COUNT") or 0)
    except ValueError:
        count = 0
    return values + tuple((env.get(f"GIT_CONFIG_KEY_{i}"), env.get(f"GIT_CONFIG_VALUE_{i}"))
                          for i in range(min(count, 1000)))


def _only(monkeypatch, keep: dict[str, str]) -> None:
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in keep.items():
        monkeypatch.setenv(name, value)


def test_a_small_environment_answers_as_asked_and_sees_every_change(monkeypatch):
    _only(monkeypatch, {"HOME": "/home/a", "PATH": "/usr/bin", "USER": "a"})
    assert len(os.environ) < gitconfig._LIST_BELOW
    before = gitconfig._environment()
    assert before == _asked() and before[gitconfig._ENV.index("HOME")] == "/home/a"
    for name, value in (("GIT_AUTHOR_NAME", "X"), ("EMAIL", "x@example.com"), ("GIT_CONFIG_COUNT", "2"),
                        ("GIT_CONFIG_KEY_1", "user.name"), ("GIT_CONFIG_VALUE_1", "Y"), ("HOME", "/home/b")):
        monkeypatch.setenv(name, value)
        now = gitconfig._environment()
        assert now == _asked() and now != before
        before = now
    assert now[-1] == ("user.name", "Y") and now[-2] == (None, None)
    monkeypatch.setenv("GIT_CONFIG_COUNT", "not a number")
    assert gitconfig._environment() == _asked() and len(gitconfig._environment()) == len(gitconfig._ENV)
    monkeypatch.delenv("HOME")
    assert gitconfig._environment()[gitconfig._ENV.index("HOME")] is None


def test_a_large_environment_answers_as_asked(monkeypatch):
    _only(monkeypatch, {f"UNRELATED_{i}": "x" * 40 for i in range(gitconfig._LIST_BELOW)})
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "c@example.com")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "gitreg.sign")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "false")
    assert len(os.environ) >= gitconfig._LIST_BELOW
    got = gitconfig._environment()
    assert got == _asked()
    assert got[gitconfig._ENV.index("GIT_COMMITTER_EMAIL")] == "c@example.com" and got[-1] == ("gitreg.sign", "false")


def test_without_a_bytes_environment_the_names_are_listed_as_text(monkeypatch):
    """Where os.environb does not exist (Windows), the str names are listed: the same answer."""
    _only(monkeypatch, {"HOME": "/home/a", "PATH": "/usr/bin", "GIT_COMMITTER_NAME": "C"})
    listed_as_bytes = gitconfig._environment()
    monkeypatch.setattr(gitconfig, "_ENV_BYTES", None)
    assert gitconfig._environment() == listed_as_bytes == _asked()
    monkeypatch.setenv("EMAIL", "e@example.com")
    assert gitconfig._environment() == _asked() != listed_as_bytes
