"""What must hold after a gitreg process was killed at any instant (tests and benchmarks/crash.py)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gitreg import ModelRegistry

REGISTER = re.compile(r"^register (\S+) (\S+)$")


def _git(path, *args) -> str:
    proc = subprocess.run(["git", f"--git-dir={path}", *args], capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def half_versions(path: Path) -> list[str]:
    """Versions that are not whole: a register commit on a branch without its tag, a tag not
    reachable from its branch, or a version registered twice."""
    bad = []
    tags = dict(line.split(" ", 1)[::-1] for line in
                _git(path, "for-each-ref", "--format=%(*objectname) %(refname)", "refs/tags/").splitlines())
    for branch in _git(path, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/").split():
        seen: dict[str, str] = {}
        for line in _git(path, "log", "--format=%H %s", f"refs/heads/{branch}").splitlines():
            commit, _, subject = line.partition(" ")
            m = REGISTER.match(subject)
            if not m:
                continue
            version = m.group(2)
            if version in seen:
                bad.append(f"{branch} {version} registered twice")
            seen[version] = commit
            if tags.get(f"refs/tags/{branch}/{version}") != commit:
                bad.append(f"{branch} {version}: register commit {commit[:12]} has no tag")
        for ref, commit in tags.items():
            if ref.startswith(f"refs/tags/{branch}/") and commit not in seen.values():
                bad.append(f"{ref} is not reachable from refs/heads/{branch}")
    return bad


def fsck(path: Path) -> list[str]:
    proc = subprocess.run(["git", f"--git-dir={path}", "fsck", "--strict", "--no-progress"],
                          capture_output=True, text=True)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines()
             if line.strip() and not line.startswith(("dangling ", "Checking ", "notice: "))]
    return lines + ([f"exit {proc.returncode}"] if proc.returncode else [])


def check_after_crash(path: Path, models: list[str]) -> None:
    """Every command works with no manual step; fsck is clean; no half version."""
    reg = ModelRegistry(path)
    reg.register_model(models[0], notes="after the crash")  # the next writer completes or discards
    for model in models:
        reg.list_versions(model)
        reg.history(model)
        reg.update_evaluation_scores(model, reg.get_latest(model).version, accuracy=0.5)
    assert not reg.problems, reg.problems
    report = reg.verify()
    assert report.ok, [(c.subject, c.problems) for c in report.failures]
    assert fsck(path) == []
    assert half_versions(path) == []
    locks = [p for p in (path / "refs").rglob("*.lock")]
    assert locks == [], locks
