"""A served registry with gitreg's hooks installed, and people with their own ssh signing keys."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.clients.server.install import install


@dataclass
class Person:
    email: str
    key: Path  # private key file; .pub beside it

    @property
    def signer_line(self) -> str:
        return f"{self.email} {self.key.with_suffix('.pub').read_text().strip()}"


@pytest.fixture
def person(tmp_path):
    def make(name: str) -> Person:
        key = tmp_path / "keys" / name
        key.parent.mkdir(exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        return Person(f"{name}@example.com", key)
    return make


@pytest.fixture
def served(tmp_path):
    """A bare remote with `gitreg server install` done."""
    path = tmp_path / "served.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    install(path)
    return path


def as_person(monkeypatch, reg: ModelRegistry, who: Person | None, email: str | None = None) -> None:
    """Make the next writes `who`'s: identity from the environment, ssh signing key in config."""
    email = who.email if who is not None else email
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_EMAIL", email)
        monkeypatch.setenv(f"GIT_{role}_NAME", email.split("@")[0])
    reg.init()
    cfg = ["git", f"--git-dir={reg.path}", "config"]
    if who is not None:
        for k, v in (("gpg.format", "ssh"), ("user.signingkey", str(who.key)), ("gitreg.sign", "true")):
            subprocess.run(cfg + [k, v], check=True)
    else:
        subprocess.run(cfg + ["gitreg.sign", "false"], check=True)


@pytest.fixture
def client(served, tmp_path):
    def make(name: str = "local") -> ModelRegistry:
        reg = ModelRegistry(tmp_path / f"{name}.git")
        reg.add_remote("origin", str(served), sync=True)
        return reg
    return make


def push(local: Path, *specs: str) -> subprocess.CompletedProcess[str]:
    """A plain `git push` (as a collaborator with push access would)."""
    return subprocess.run(["git", f"--git-dir={local}", "push", "origin", *specs], capture_output=True, text=True)
