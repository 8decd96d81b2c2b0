"""CLI fixtures: `cli` runs gitreg's real entry point in-process (fast), `run_gitreg`
runs the installed program as a separate process (exit codes, stderr, tracebacks)."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass

import pytest

from gitreg.clients.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(registry_path, capsys):
    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(["-R", str(registry_path), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def run_gitreg(*args: str, env: dict | None = None, cwd=None) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "gitreg", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def gitreg_proc(registry_path):
    return lambda *args, env=None: run_gitreg("-R", str(registry_path), *args, env=env)


def run_on_terminal(args: list[str], stream: str, env: dict | None = None,
                    cols: int | None = None) -> tuple[int, str]:
    """Run gitreg with stdout or stderr on a real pseudo-terminal; return (exit code, terminal text).

    With `cols`, the terminal itself is that wide (its window size; $COLUMNS unset).
    """
    master, slave = pty.openpty()
    other = subprocess.DEVNULL
    base = {**os.environ, "COLUMNS": "100"}
    if cols is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
        base.pop("COLUMNS")
        base.pop("LINES", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitreg", *args],
        stdout=slave if stream == "stdout" else other,
        stderr=slave if stream == "stderr" else other,
        env={**base, **(env or {})},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")
