"""A stalled LFS server (giftless SIGSTOPped mid-transfer) stops `add --store` and `get` within
gitreg.timeout and a small margin, set the way git reads configuration (GIT_CONFIG_COUNT), with
nothing half-written: no version, no file placed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from gitreg.git.lfs import STALL_MARGIN
from tests.features.artifacts.conftest import run
from tests.servers.lfs import LfsServer

TIMEOUT = 3
ENV = {**os.environ, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gitreg.timeout", "GIT_CONFIG_VALUE_0": str(TIMEOUT)}


def _gitreg(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gitreg", *args], env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _stop_when(server: LfsServer, proc: subprocess.Popen, seen) -> float:
    """SIGSTOP the server once `seen()` says the transfer is under way; the time it stopped."""
    deadline = time.monotonic() + 60
    while not seen():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    os.kill(server.proc.pid, signal.SIGSTOP)
    return time.monotonic()


def _ends_within_bound(proc: subprocess.Popen, stopped: float) -> str:
    try:
        _out, err = proc.communicate(timeout=TIMEOUT + STALL_MARGIN + 30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("gitreg hung on a stalled LFS server") from None
    took = time.monotonic() - stopped
    assert proc.returncode == 1 and took < TIMEOUT + STALL_MARGIN + 10, (proc.returncode, took, err)
    assert err.count("\n") == 1 and "no progress for 3 s (gitreg.timeout)" in err, err
    return err


def _tags(path) -> str:
    return run("git", f"--git-dir={path}", "for-each-ref", "refs/tags/")


def test_a_stalled_lfs_server_stops_add_store_and_get_in_bounded_time(tmp_path, bare_remote):
    server = LfsServer(tmp_path / "giftless")
    try:
        reg, big = tmp_path / "reg.git", tmp_path / "model.gguf"
        big.write_bytes(os.urandom(1 << 20) * 120)
        run(sys.executable, "-m", "gitreg", "-R", str(reg), "init")
        run("git", f"--git-dir={reg}", "config", "lfs.url", server.url("stall"))
        run(sys.executable, "-m", "gitreg", "-R", str(reg), "remote", "add", "origin", str(bare_remote), "--sync")
        storage = server.storage

        add = _gitreg("-R", str(reg), "add", "m", "-f", f"gguf={big}", "--store")
        stopped = _stop_when(server, add, lambda: any(p.is_file() for p in storage.rglob("*")))
        _ends_within_bound(add, stopped)
        assert _tags(reg) == "" and _tags(bare_remote) == ""  # no version, here or there

        os.kill(server.proc.pid, signal.SIGCONT)
        run(sys.executable, "-m", "gitreg", "-R", str(reg), "add", "m", "-f", f"gguf={big}", "--store")
        clone, out = tmp_path / "clone.git", tmp_path / "out"
        run(sys.executable, "-m", "gitreg", "clone", str(bare_remote), str(clone))
        run("git", f"--git-dir={clone}", "config", "lfs.url", server.url("stall"))
        get = _gitreg("-R", str(clone), "get", "m", "-o", str(out))
        stopped = _stop_when(server, get, lambda: any(p.stat().st_size for p in (clone / "lfs").rglob("*")
                                                         if p.is_file()))
        _ends_within_bound(get, stopped)
        assert not out.exists() or not any(out.rglob("*"))  # nothing placed
        assert not list((clone / "lfs").glob("objects/*/*/*"))  # no object half-written into the store
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
        server.stop()
