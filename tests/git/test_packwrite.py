"""Mirror refs written into a fresh clone's packed-refs (gitreg/git/objects/packwrite.py): the same
file git writes when asked for both copies, and nothing changed where the file is not a fresh
clone's."""
from __future__ import annotations

import subprocess

import pytest

from gitreg import ModelRegistry
from gitreg.git.objects import packwrite
from gitreg.git.transport import cloning
from gitreg.git.transport import remote as transport

MIRROR_SPECS = [(ns, transport.mirrored("origin", ns)) for ns in transport.NAMESPACES]


@pytest.fixture
def server(tmp_path):
    path = tmp_path / "server.git"
    reg = ModelRegistry(path)
    for model in ("a", "b"):
        for _ in range(3):
            reg.register_model(model)
    reg.deploy("a", "v2")
    reg.update_evaluation_scores("b", "v1", accuracy=0.5)
    return path


def _bare_clone(server, path, *specs: str) -> None:
    config = [arg for spec in specs for arg in ("-c", f"remote.origin.fetch={spec}")]
    subprocess.run(["git", "clone", "--quiet", "--bare", *config, str(server), str(path)], check=True)


def test_copies_are_what_git_clone_writes_for_both(server, tmp_path, git, fsck):
    own = ["+refs/deployed/*:refs/deployed/*", "+refs/notes/gitreg/*:refs/notes/gitreg/*"]
    ours, gits = tmp_path / "ours.git", tmp_path / "gits.git"
    _bare_clone(server, ours, *own)
    _bare_clone(server, gits, *own, *[f"+{src}*:{dst}*" for src, dst in MIRROR_SPECS])
    assert packwrite.copy_refs(ours, MIRROR_SPECS)
    assert (ours / "packed-refs").read_bytes() == (gits / "packed-refs").read_bytes()
    listing = ["for-each-ref", "--format=%(objectname) %(refname) %(*objectname)"]
    assert git(ours, *listing) == git(gits, *listing)
    assert "refs/gitreg/remotes/origin/tags/a/v3" in git(ours, *listing)
    assert not (ours / "packed-refs.lock").exists() and fsck(ours) == []
    git(ours, "pack-refs", "--all")  # git takes the file as its own
    assert git(ours, *listing) == git(gits, *listing)


@pytest.mark.parametrize("spoil", ["loose ref", "taken name", "lock held", "unsorted", "no file"])
def test_anything_but_a_fresh_clone_is_left_to_git(server, tmp_path, git, spoil):
    path = tmp_path / "c.git"
    _bare_clone(server, path)
    packed = path / "packed-refs"
    if spoil == "loose ref":
        git(path, "update-ref", "refs/heads/c", git(path, "rev-parse", "refs/heads/a").strip())
    elif spoil == "taken name":
        git(path, "update-ref", "refs/gitreg/remotes/origin/heads/a", "refs/heads/a")
        git(path, "pack-refs", "--all")
    elif spoil == "lock held":
        (path / "packed-refs.lock").write_text("")
    elif spoil == "unsorted":
        packed.write_bytes(packed.read_bytes().replace(b" sorted", b""))
    else:
        packed.unlink()
    before = packed.read_bytes() if packed.exists() else None
    assert packwrite.copy_refs(path, MIRROR_SPECS) is False
    assert (packed.read_bytes() if packed.exists() else None) == before
    assert (path / "packed-refs.lock").exists() == (spoil == "lock held")


def test_the_fallback_makes_the_same_mirror_with_git(server, tmp_path, git):
    path = tmp_path / "c.git"
    _bare_clone(server, path, "+refs/deployed/*:refs/deployed/*", "+refs/notes/gitreg/*:refs/notes/gitreg/*")
    cloning._mirror_with_git(path, "origin")
    listing = git(path, "for-each-ref", "--format=%(objectname) %(refname)").splitlines()
    own = sorted(line for line in listing if " refs/gitreg/" not in line)
    mirror = sorted(line.replace("refs/gitreg/remotes/origin/", "refs/") for line in listing if " refs/gitreg/" in line)
    assert own == mirror and len(own) == 2 + 6 + 1 + 1
    assert not list((path / "refs").rglob("v*"))  # packed at the end
