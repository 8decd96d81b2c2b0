"""A registry in a shared directory owned by another user: git's safe.directory rules decide
whether it is read (as git reads its configuration now), and a user who may not read or write
it is told so in one line, never an internal error. The tests run as root: the registry is
chowned, and gitreg runs as a second user (nobody) through setpriv."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

import gitreg
from gitreg import ModelRegistry

NOBODY = 65534
_SITE = sysconfig.get_paths()["purelib"]  # this venv's packages (its python lives under /root)
_SOURCE = str(Path(gitreg.__file__).parent.parent)


@pytest.fixture
def shared(tmp_path):
    """A directory every user can enter, with a registry in it (made by root, holding m:v1)."""
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv is needed to run as a second user: apt-get install util-linux")
    base = Path(tempfile.mkdtemp(prefix="gitreg-shared-", dir="/tmp"))
    os.chmod(base, 0o755)
    (base / "home").mkdir()
    os.chown(base / "home", NOBODY, NOBODY)
    ModelRegistry(base / "reg.git").register_model("m")
    yield base
    shutil.rmtree(base)


def as_nobody(base: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    full = {"PATH": os.environ["PATH"], "HOME": str(base / "home"), "PYTHONPATH": f"{_SOURCE}:{_SITE}",
            "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           python, "-m", "gitreg", "-R", str(base / "reg.git"), *args],
                          capture_output=True, text=True, env=full, cwd=base)


def _one_line(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 1 and proc.stdout == "", proc
    assert proc.stderr.count("\n") == 1 and "internal error" not in proc.stderr, proc.stderr
    assert all(w in proc.stderr for w in words), proc.stderr


def test_another_users_registry_follows_safe_directory(shared):
    reg = shared / "reg.git"
    _one_line(as_nobody(shared, "list"), "belongs to another user (owned by root)",
              f"git config --global --add safe.directory {reg}")
    trusted = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": str(reg)}
    listed = as_nobody(shared, "list", env=trusted)
    assert listed.returncode == 0 and "m" in listed.stdout, listed
    _one_line(as_nobody(shared, "add", "m", env=trusted), f"cannot write to the registry {reg}: permission denied",
              "owned by root")
    assert ModelRegistry(reg).get_latest("m").version == "v1"  # nothing written


def test_a_registry_the_user_cannot_read_is_one_line(shared):
    os.chmod(shared / "reg.git", 0o700)
    _one_line(as_nobody(shared, "list"), f"cannot read the registry {shared / 'reg.git'}: permission denied")
