"""scripts/install-system-deps.sh, which CI runs on a fresh machine, waits for another apt-get
holding the dpkg lock instead of failing at once (issue 24). Run for real: one package it
checks for (apache2-utils, already installed) is hidden from PATH, so it runs apt-get while
this test holds dpkg's frontend lock as apt-get does."""
from __future__ import annotations

import fcntl
import os
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "install-system-deps.sh"
LOCK = Path("/var/lib/dpkg/lock-frontend")


def _path_without(tmp_path: Path, hidden: str) -> str:
    """A PATH with every program of this one but `hidden`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in reversed(os.environ["PATH"].split(":")):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            if name != hidden and os.access(target, os.X_OK):
                (bin_dir / name).unlink(missing_ok=True)
                (bin_dir / name).symlink_to(target)
    return str(bin_dir)


def _apt_install_running() -> bool:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"apt-get") and b"install" in argv:
            return True
    return False


# It holds the machine's dpkg lock: under `pytest -n` it runs on the one worker of the
# "serial" group, never beside another test of that group (tests/conftest.py).
@pytest.mark.xdist_group("serial")
def test_the_script_waits_for_the_dpkg_lock(tmp_path):
    assert os.geteuid() == 0 and LOCK.exists(), "this test runs as root on Debian, as CI does"
    env = {**os.environ, "PATH": _path_without(tmp_path, "htpasswd"), "GITREG_APT_LOCK_TIMEOUT": "120"}
    with open(LOCK, "w") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)  # another apt-get at work
        proc = subprocess.Popen(["bash", str(SCRIPT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        deadline = time.monotonic() + 300
        while proc.poll() is None and not _apt_install_running() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # it must wait now, not fail
        assert proc.poll() is None, proc.communicate()
        fcntl.lockf(lock, fcntl.LOCK_UN)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "install-system-deps: apt-get install -y apache2-utils" in out
