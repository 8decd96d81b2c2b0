"""A process that keeps a registry open remembers its packed tag names per packed-refs file:
versions another process adds, loose or packed, are still never given out twice."""
from __future__ import annotations

import subprocess
import sys

from gitreg import ModelRegistry

OTHER = "import sys; from gitreg import ModelRegistry; print(ModelRegistry(sys.argv[1]).register_model('m').version)"


def _other_process(path) -> str:
    return subprocess.run([sys.executable, "-c", OTHER, str(path)], check=True, capture_output=True,
                          text=True).stdout.strip()


def _git(path, *args) -> str:
    return subprocess.run(["git", "--git-dir", str(path), *args], check=True, capture_output=True,
                          text=True).stdout


def test_versions_added_elsewhere_are_seen(tmp_path):
    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    assert [reg.register_model("m").version for _ in range(3)] == ["v1", "v2", "v3"]
    _git(path, "pack-refs", "--all")
    assert reg.register_model("m").version == "v4"  # the packed names are remembered now
    assert _other_process(path) == "v5"  # loose, written by another process
    assert reg.register_model("m").version == "v6"
    assert _other_process(path) == "v7"
    _git(path, "pack-refs", "--all")  # packed-refs replaced: its remembered names are not used
    assert reg.register_model("m").version == "v8"
    # an explicit name, then numbering goes on above it, whether packed or loose
    assert reg.register_model("m", "v20").version == "v20"
    assert reg.register_model("m").version == "v21"
    _git(path, "pack-refs", "--all")
    assert _other_process(path) == "v22"
    assert reg.register_model("m").version == "v23"
    tags = _git(path, "for-each-ref", "--format=%(refname)", "refs/tags/m/").split()
    assert sorted(tags) == sorted(f"refs/tags/m/v{n}" for n in [*range(1, 9), *range(20, 24)])
