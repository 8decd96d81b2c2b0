"""The one parser of `OLD NEW REF` hook input (gitreg/git/refs/changes.py), used by the server's
hooks and by `gitreg events --stdin`: what git really hands a hook, and lines it never sends."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitreg.core.errors import GitregError
from gitreg.git.refs.changes import ZERO, RefChange, parse_lines


def test_lines_a_real_receive_hook_gets(tmp_path: Path):
    bare, work = tmp_path / "remote.git", tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ncat > {tmp_path / 'input'}\n")
    hook.chmod(0o755)
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "one"], check=True)
    subprocess.run([*git, "tag", "-a", "-m", "t", "m/v1"], check=True)
    subprocess.run([*git, "push", "-q", str(bare), "HEAD:refs/heads/m", "m/v1"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD", "m/v1"], capture_output=True, text=True,
                          check=True).stdout.split()
    got = parse_lines((tmp_path / "input").read_text().splitlines(keepends=True))
    assert sorted(got, key=lambda c: c.ref) == [RefChange(ZERO, head[0], "refs/heads/m"),
                                                 RefChange(ZERO, head[1], "refs/tags/m/v1")]
    assert all(c.created and not c.deleted for c in got)
    assert RefChange(head[0], ZERO, "refs/heads/m").deleted


@pytest.mark.parametrize("line", ["x y z", f"{ZERO} {ZERO}", f"{ZERO} {'A' * 40} refs/heads/m",
                                  f"{ZERO} {ZERO} refs/heads/m extra", f"{ZERO} {ZERO} {'r' * 5000}"])
def test_any_other_line_is_an_error_naming_it(line):
    with pytest.raises(GitregError, match=r"^hook input line 2 is not 'OLD NEW REF'$"):
        parse_lines(["", line], "hook input")
