"""What a person at a terminal sees: a progress bar for large files, colour unless NO_COLOR."""
from __future__ import annotations

import subprocess
import sys

from gitreg import ModelRegistry
from gitreg.clients.cli.progress import LARGE
from tests.clients.cli.conftest import run_on_terminal


def test_progress_bar_on_terminal_for_large_file(tmp_path, registry_path):
    big = tmp_path / "model.gguf"
    with open(big, "wb") as fh:
        fh.truncate(LARGE + 1024)  # sparse: large, but cheap to make
    args = ["-R", str(registry_path), "add", "majora", "--gguf-path", str(big), "-q"]
    code, err = run_on_terminal(args, "stderr")
    assert code == 0, err
    assert "hashing model.gguf" in err

    piped = subprocess.run([sys.executable, "-m", "gitreg", *args], capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stdout == "v2\n" and piped.stderr == ""


def test_colour_on_a_terminal_and_none_with_no_color(cli, registry_path):
    cli("add", "majora", "--accuracy", "0.9")
    cli("deploy", "majora", "v1")
    code, coloured = run_on_terminal(["-R", str(registry_path), "list"], "stdout")
    assert code == 0 and "\x1b[" in coloured and "● v1" in coloured
    code, plain = run_on_terminal(["-R", str(registry_path), "list"], "stdout", env={"NO_COLOR": "1"})
    assert code == 0 and "● v1" in plain
    assert "\x1b" not in plain  # no escape code at all


def test_no_color_hashing_says_so_in_one_plain_line(tmp_path, registry_path):
    big = tmp_path / "model.gguf"
    with open(big, "wb") as fh:
        fh.truncate(LARGE + 1024)
    args = ["-R", str(registry_path), "add", "majora", "--gguf-path", str(big), "-q"]
    ModelRegistry(registry_path).init()
    code, err = run_on_terminal(args, "stderr", env={"NO_COLOR": "1"})
    assert code == 0, err
    assert err == "gitreg: hashing model.gguf (64.0 MiB)\r\n"  # no live bar: it needs cursor codes
