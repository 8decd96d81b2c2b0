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



def _run(path, *args, input: str = "") -> str:
    return subprocess.run(["git", "--git-dir", str(path), *args], input=input, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_what_this_process_wrote_is_trusted_only_while_the_refs_still_say_so(tmp_path):
    """A registering process remembers the tip and tag it wrote (no reads of them on its next
    write); plain git changing them under it is still seen, by the same ModelRegistry."""
    from gitreg.core.errors import NotARegistryError

    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    assert [reg.register_model("m").version for _ in range(2)] == ["v1", "v2"]
    # v2's tag deleted: the tip still claims v2, whose number is never given out again
    _run(path, "update-ref", "-d", "refs/tags/m/v2")
    assert reg.register_model("m").version == "v3"
    # (another model) v2's tag replaced by a blob: not a version, yet its name stays taken
    assert [reg.register_model("n").version for _ in range(2)] == ["v1", "v2"]
    _run(path, "update-ref", "refs/tags/n/v2", _run(path, "hash-object", "-w", "--stdin", input="x"))
    assert reg.register_model("n").version == "v3"
    # the branch moved by plain git onto a commit that is not a model's: refused, nothing written
    foreign = _run(path, "commit-tree", _run(path, "mktree"), "-m", "code")
    _run(path, "update-ref", "refs/heads/m", foreign)
    try:
        reg.register_model("m")
    except NotARegistryError as exc:
        assert "not a model's branch" in str(exc)
    else:
        raise AssertionError("a registration onto a foreign branch tip was not refused")
    assert _run(path, "rev-parse", "refs/heads/m") == foreign
