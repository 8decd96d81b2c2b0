"""git's children die with gitreg: a transport command runs in a process group of its own,
killed when gitreg gives up on it (its time limit) or is told to stop (SIGTERM); nothing is
left running to deliver a push afterwards, and gitreg's temporary directories go with it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from gitreg import ModelRegistry
from gitreg.git import gitcli


def _gone(pid: int, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rpartition(")")[2].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def _wait_for(path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return path.read_text().strip()


def test_a_timed_out_git_takes_its_children_with_it(tmp_path):
    pidfile = tmp_path / "child.pid"
    slow = f"!sh -c 'sleep 60 & echo $! > {pidfile}; wait'"
    with pytest.raises(subprocess.TimeoutExpired):
        gitcli.run(None, "-c", f"alias.slow={slow}", "slow", timeout=1, group=True)
    assert _gone(int(_wait_for(pidfile)))


def test_sigterm_during_a_push_kills_the_push_and_leaves_no_temporary_directory(tmp_path, registry_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    hookpid = tmp_path / "hook.pid"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho $$ > {hookpid}\nsleep 60\n")
    hook.chmod(0o755)
    reg = ModelRegistry(registry_path)
    for _ in range(70):  # more than EXPLICIT_MAX refs: the wildcard push held by a pre-push hook
        reg.register_model("m")
    reg.add_remote("origin", str(remote))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "gitreg", "-R", str(registry_path), "push"],
                            env={**os.environ, "TMPDIR": str(tmp)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    pid = int(_wait_for(hookpid))
    assert [p.name for p in tmp.iterdir() if p.name.startswith("gitreg-push-")]
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=10)
    assert proc.returncode != 0
    assert _gone(pid)  # the remote's hook (under receive-pack, under git push) died with gitreg
    assert not list(tmp.iterdir())
    refs = subprocess.run(["git", f"--git-dir={remote}", "for-each-ref"], capture_output=True, text=True)
    assert refs.stdout == ""  # nothing was published, and nothing will be
    hook.unlink()
    assert reg.push().pushed
