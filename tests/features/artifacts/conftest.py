"""Fixtures for stored artifacts: model files on disk, a second machine, the LFS server."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.servers.lfs import lfs_server  # noqa: F401  (the fixture)
from tests.servers.seaweedfs import s3_lfs_server, seaweedfs  # noqa: F401  (fixtures)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def lfs_object(registry: Path, oid: str) -> Path:
    return Path(registry) / "lfs" / "objects" / oid[:2] / oid[2:4] / oid


def run(*args: str, cwd=None, env=None) -> str:
    """Run a command (plain git, git lfs); fail the test with its stderr on a nonzero exit."""
    proc = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, env=env)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


@pytest.fixture
def model_files(tmp_path):
    """Two GGUF files and a tokenizer directory with a subdirectory."""
    root = tmp_path / "run"
    root.mkdir()
    q4, q8 = root / "majora-Q4_K_M.gguf", root / "majora-Q8_0.gguf"
    q4.write_bytes(os.urandom(300_000))
    q8.write_bytes(os.urandom(500_000))
    tok = root / "tokenizer"
    (tok / "extra").mkdir(parents=True)
    (tok / "tokenizer.json").write_text('{"version": "1.0"}')
    (tok / "extra" / "merges.txt").write_text("a b\n")
    return {"q4": q4, "q8": q8, "tok": tok}


@pytest.fixture
def second_machine(tmp_path, monkeypatch):
    """Switch to another HOME (own XDG dirs, cache, default registry): call it to move there."""
    def move() -> Path:
        home = tmp_path / "machine-b"
        home.mkdir()
        for var, sub in (("HOME", ""), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                         ("XDG_CACHE_HOME", "cache")):
            monkeypatch.setenv(var, str(home / sub) if sub else str(home))
        monkeypatch.setenv("GITREG_REGISTRY", str(home / "registry.git"))
        return home
    return move


@pytest.fixture
def cli_main(registry_path, capsys):
    """Run the CLI in-process; returns (exit code, stderr); stdout stays in capsys."""
    from gitreg.clients.cli.main import main

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["-R", str(registry_path), *args])
        captured = capsys.readouterr()
        print(captured.out, end="")
        return code, captured.err
    return run


@pytest.fixture(autouse=True)
def _cache_in_home(monkeypatch):
    """The cache goes to the test's HOME (~/.cache/gitreg), whatever the machine sets."""
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
