"""speed_bench.floor_loop(protocol=True), the floor register_instructions.py's third side counts:
the same objects as the floor, with its refs moved by gitreg's ref protocol. What it leaves is
checked with git: a version's annotated tag on its commit, the branch at the newest, nothing
locked or left over, fsck clean."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pygit2

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, text=True).stdout


def test_the_floor_with_the_ref_protocol_writes_what_a_registration_does(tmp_path):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import speed_bench
    finally:
        sys.path.remove(str(BENCHMARKS))
    manifest = b"schema: gitreg/1\nmodel_name: x\nversion: v0\ncreated_at: 'x'\nstatus: completed\n"
    repo = pygit2.init_repository(str(tmp_path / "f.git"), bare=True)
    state: dict[str, list] = {}
    speed_bench.floor_loop(repo, manifest, 2, 2, state=state, protocol=True)
    speed_bench.floor_loop(repo, manifest, 2, 4, state=state, protocol=True)  # carried on: v2, v3
    path = tmp_path / "f.git"
    tags = [t.split() for t in git(path, "for-each-ref", "--format=%(refname) %(objecttype)", "refs/tags").splitlines()]
    assert sorted(name for name, _ in tags) == [f"refs/tags/model-000{m}/v{n}" for m in (0, 1) for n in (1, 2, 3)]
    assert all(kind == "tag" for _, kind in tags)  # annotated
    for m in (0, 1):
        tip = git(path, "rev-parse", f"refs/heads/model-000{m}").strip()
        assert git(path, "rev-parse", f"refs/tags/model-000{m}/v3^{{commit}}").strip() == tip
        assert git(path, "cat-file", "-p", f"refs/tags/model-000{m}/v3").split("\n")[2] == f"tag model-000{m}/v3"
        assert len(git(path, "rev-list", f"refs/heads/model-000{m}").split()) == 4  # the root and three versions
    assert not list(path.rglob("*.lock")) and not list((path / "gitreg-locks").glob("*.json"))
    assert git(path, "fsck", "--strict") == ""
