"""Real servers for tests, started on 127.0.0.1 by the tests themselves (see each module).

Import the fixture into a test module (`from tests.servers.apache import apache  # noqa: F401`)
or use the context managers directly. A server that cannot start fails the test with a
message naming the Debian package it needs; nothing is ever skipped.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# Ports for the servers: below the kernel's ephemeral range, so that neither an outgoing
# connection nor another process's bind to port 0 can take one while its server is down (the
# restart tests stop a server and start it again on the same port); split between the workers of
# a parallel run (pytest-xdist), so that two workers never pick the same one; never handed out
# twice by one process (until it has used its whole share).
PORTS_FROM = 10_000
_handed_out: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _port_share() -> range:
    """This process's ports: all of them serially, one slice per xdist worker (gw0, gw1, ...)."""
    low, high = PORTS_FROM, max(PORTS_FROM + 1000, _ephemeral_start())
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if worker.startswith("gw") and worker[2:].isdigit() and count.isdigit() and int(count) > 0:
        size = (high - low) // int(count)
        low += int(worker[2:]) % int(count) * size
        high = low + size
    return range(low, high)


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now and this run will not hand out again."""
    share = _port_share()
    for _ in range(2):
        for port in random.sample(share, len(share)):
            if port not in _handed_out and _bindable(port):
                _handed_out.add(port)
                return port
        _handed_out.difference_update(share)  # all used once: start over (those servers are gone)
    pytest.fail(f"no free port in {share.start}-{share.stop - 1}", pytrace=False)


def need(program: str, package: str) -> str:
    """The path of `program`, or a test failure naming the package that provides it."""
    found = shutil.which(program) or (program if os.access(program, os.X_OK) else None)
    if not found:
        pytest.fail(f"{program} is missing: install the Debian package {package} "
                    "(scripts/install-system-deps.sh)", pytrace=False)
    return found


def wait_for_port(port: int, alive, what: str, log: Path, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or not alive():
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                pytest.fail(f"{what} did not start on 127.0.0.1:{port}:\n{text}", pytrace=False)
            time.sleep(0.05)


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a server process; kill it when it does not exit within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def served_root(prefix: str) -> Path:
    """A directory outside pytest's 0700 tmp tree, so a server's own user can reach it."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    root.chmod(0o755)
    return root


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc), parents first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def signal_tree(pid: int, sig: int) -> None:
    for p in process_tree(pid):
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def bare_repo(path: Path, owner: str | None = None) -> Path:
    subprocess.run(["git", "init", "--quiet", "--bare", str(path)], check=True)
    if owner:
        subprocess.run(["chown", "-R", f"{owner}:{owner}", str(path)], check=True)
    return path


__all__ = ["free_port", "need", "wait_for_port", "served_root", "signal_tree", "bare_repo", "signal"]
