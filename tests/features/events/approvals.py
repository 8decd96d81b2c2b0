"""Approvals as issue 22 writes them (the agreed record format), made here with the git CLI only."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional


def _git(git_dir: Path, *args: str, input: Optional[str] = None, env: Optional[dict] = None) -> str:
    done = subprocess.run(["git", f"--git-dir={git_dir}", *args], input=input, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=True)
    return done.stdout.strip()


def approve(git_dir: Path, model: str, version: str, environment: Optional[str], approver: str,
            reason: Optional[str] = None, time: str = "2026-12-07T09:00:00+00:00", text: Optional[str] = None) -> str:
    """Append one approval commit to refs/gitreg/approvals/<model>; its id."""
    if text is None:
        env_line = "null" if environment is None else environment
        reason_line = "null" if reason is None else f'"{reason}"'
        text = (f"schema: gitreg/1\nmodel: {model}\nversion: {version}\nenvironment: {env_line}\n"
                f"approver: {approver}\nreason: {reason_line}\ntime: '{time}'\n")
    blob = _git(git_dir, "hash-object", "-w", "--stdin", input=text)
    tree = _git(git_dir, "mktree", input=f"100644 blob {blob}\tapproval.yaml\n")
    ref = f"refs/gitreg/approvals/{model}"
    parent = subprocess.run(["git", f"--git-dir={git_dir}", "rev-parse", "--verify", "-q", ref],
                            capture_output=True, text=True).stdout.strip()
    who = {"GIT_AUTHOR_NAME": approver.split("@")[0], "GIT_AUTHOR_EMAIL": approver}
    commit = _git(git_dir, "commit-tree", tree, *(["-p", parent] if parent else []),
                  "-m", f"approve {model} {version}", env=who)
    _git(git_dir, "update-ref", ref, commit, *([parent] if parent else []))
    return commit


EVENT_PREFIXES = ("refs/tags/", "refs/deployed/", "refs/notes/gitreg/", "refs/gitreg/approvals/")


def ref_state(git_dir: Path) -> dict[str, str]:
    """{ref: id} of the refs events come from, as the real git CLI lists them."""
    if not Path(git_dir).exists():
        return {}
    out = _git(git_dir, "for-each-ref", "--format=%(refname) %(objectname)", *EVENT_PREFIXES)
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def lines(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """What post-receive would get for the move old -> new (refs sorted; zeros for created)."""
    zero = "0" * 40
    return [f"{old.get(r, zero)} {new.get(r, zero)} {r}\n" for r in sorted(set(old) | set(new))
            if old.get(r) != new.get(r)]
