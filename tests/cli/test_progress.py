"""Hashing a large artifact shows a progress bar on a terminal, and nothing when piped."""
from __future__ import annotations

import os
import pty
import subprocess
import sys

from gitreg.cli.progress import LARGE


def _run_with_tty_stderr(args: list[str]) -> tuple[int, str]:
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, env={**os.environ, "COLUMNS": "100"})
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


def test_progress_bar_on_terminal_for_large_file(tmp_path, registry_path):
    big = tmp_path / "model.gguf"
    with open(big, "wb") as fh:
        fh.truncate(LARGE + 1024)  # sparse: large, but cheap to make
    code, err = _run_with_tty_stderr(
        [sys.executable, "-m", "gitreg", "-R", str(registry_path), "add", "majora",
         "--gguf-path", str(big), "-q"]
    )
    assert code == 0, err
    assert "hashing model.gguf" in err

    piped = subprocess.run(
        [sys.executable, "-m", "gitreg", "-R", str(registry_path), "add", "majora",
         "--gguf-path", str(big), "-q"],
        capture_output=True, text=True,
    )
    assert piped.returncode == 0 and piped.stdout == "v2\n" and piped.stderr == ""
