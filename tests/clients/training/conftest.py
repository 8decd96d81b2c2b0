"""Training-repository fixtures: a real non-bare git repo in a temp dir whose commits
fire the real installed post-commit hook (a separate process, as git runs it)."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml


@dataclass
class Commit:
    code: int
    sha: str
    out: str
    err: str


class TrainingRepo:
    """A work tree with helpers to write files and commit them through the git CLI."""

    def __init__(self, top: Path, registry: Path) -> None:
        self.top = top
        self.registry = registry

    def git(self, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run(["git", *args], cwd=self.top, capture_output=True, text=True,
                              env={**os.environ, **(env or {})})
        if check and proc.returncode != 0:
            pytest.fail(f"git {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        return proc

    def write(self, path: str, content: Any) -> Path:
        target = self.top / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif isinstance(content, str):
            target.write_text(content)
        elif path.endswith(".json"):
            target.write_text(json.dumps(content))
        else:
            target.write_text(yaml.safe_dump(content))
        return target

    def config(self, **fields: Any) -> None:
        """Write .gitreg.yaml (registry defaults to this test's registry)."""
        data = {"model": "majora", "registry": str(self.registry), **fields}
        self.write(".gitreg.yaml", yaml.safe_dump({k: v for k, v in data.items() if v is not ...}))

    def commit(self, message: str, *extra: str, env: dict | None = None, cwd: Path | None = None) -> Commit:
        """`git add -A && git commit -m message [-m extra ...]`; the hook fires inside."""
        self.git("add", "-A")
        args = ["commit", "-q", "-m", message]
        for paragraph in extra:
            args += ["-m", paragraph]
        proc = subprocess.run(["git", *args], cwd=cwd or self.top, capture_output=True, text=True,
                              env={**os.environ, **(env or {})})
        sha = self.git("rev-parse", "HEAD", check=False).stdout.strip()
        return Commit(proc.returncode, sha, proc.stdout, proc.stderr)

    def hook_log(self) -> str:
        log = self.top / ".git" / "gitreg" / "hook.log"
        return log.read_text() if log.exists() else ""


@pytest.fixture
def training_repo(tmp_path, registry_path) -> TrainingRepo:
    top = tmp_path / "train"
    top.mkdir()
    repo = TrainingRepo(top, registry_path)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", "Trainer")
    repo.git("config", "user.email", "trainer@example.com")
    return repo


@pytest.fixture
def hooked_repo(training_repo) -> TrainingRepo:
    """A training repo with a typical .gitreg.yaml, the code committed, and the hook installed."""
    from gitreg.clients.training import hook

    training_repo.config(metrics="results/metrics.json", params="results/params.yaml",
                         files={"checkpoint": "out/weights.bin"}, training_data=["oracle", "toolbench"])
    training_repo.write("train.py", "print('training')\n")
    hook.install(training_repo.top)
    first = training_repo.commit("Training code")
    assert first.code == 0, first.err
    return training_repo
