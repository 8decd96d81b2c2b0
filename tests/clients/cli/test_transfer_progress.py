"""git-lfs's transfer progress on a terminal, none through a pipe (issue 24): git-lfs draws it
only when its stdout is a terminal, so gitreg hands it the terminal it has on stderr.

git-lfs can exit before its meter writes its last line ("100% (1/1)", git-lfs/git-lfs#1926: seen
here in 2 of 4 loaded suite runs), so the drawn progress is checked by its line and the transfer
by its bytes: the object in the receiving LFS store."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.clients.cli.conftest import run_gitreg, run_on_terminal


def test_upload_and_download_progress_on_a_terminal_only(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    weights = tmp_path / "w.gguf"
    weights.write_bytes(os.urandom(2_000_000))
    oid = hashlib.sha256(weights.read_bytes()).hexdigest()

    def stored(git_dir: Path) -> bool:
        obj = git_dir / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
        return obj.is_file() and obj.stat().st_size == 2_000_000

    first = str(tmp_path / "a.git")
    assert run_gitreg("-R", first, "init").code == 0
    assert run_gitreg("-R", first, "remote", "add", "origin", str(remote)).code == 0
    code, screen = run_on_terminal(["-R", first, "add", "m", "--gguf-path", str(weights), "--store"], "stderr")
    assert code == 0 and "Uploading LFS objects:" in screen and stored(remote), screen

    for name in ("b.git", "c.git"):
        assert run_gitreg("clone", str(remote), str(tmp_path / name)).code == 0
    code, screen = run_on_terminal(["-R", str(tmp_path / "b.git"), "get", "m:v1"], "stderr")
    assert code == 0 and "Downloading LFS objects:" in screen and stored(tmp_path / "b.git"), screen
    piped = run_gitreg("-R", str(tmp_path / "c.git"), "get", "m:v1")
    assert piped.code == 0 and piped.err == "" and piped.out.strip().endswith("/gguf/w.gguf")
    assert len(piped.out.splitlines()) == 1  # stdout holds the path only
