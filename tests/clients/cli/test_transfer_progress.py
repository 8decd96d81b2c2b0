"""git-lfs's transfer progress on a terminal, none through a pipe (issue 24): git-lfs draws it
only when its stdout is a terminal, so gitreg hands it the terminal it has on stderr."""
from __future__ import annotations

import os
import subprocess

from tests.clients.cli.conftest import run_gitreg, run_on_terminal


def test_upload_and_download_progress_on_a_terminal_only(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    weights = tmp_path / "w.gguf"
    weights.write_bytes(os.urandom(2_000_000))
    first = str(tmp_path / "a.git")
    assert run_gitreg("-R", first, "init").code == 0
    assert run_gitreg("-R", first, "remote", "add", "origin", str(remote)).code == 0
    code, screen = run_on_terminal(["-R", first, "add", "m", "--gguf-path", str(weights), "--store"], "stderr")
    assert code == 0 and "Uploading LFS objects: 100% (1/1)" in screen, screen

    for name in ("b.git", "c.git"):
        assert run_gitreg("clone", str(remote), str(tmp_path / name)).code == 0
    code, screen = run_on_terminal(["-R", str(tmp_path / "b.git"), "get", "m:v1"], "stderr")
    assert code == 0 and "Downloading LFS objects: 100% (1/1)" in screen, screen
    piped = run_gitreg("-R", str(tmp_path / "c.git"), "get", "m:v1")
    assert piped.code == 0 and piped.err == "" and piped.out.strip().endswith("/gguf/w.gguf")
    assert len(piped.out.splitlines()) == 1  # stdout holds the path only
