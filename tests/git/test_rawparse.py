"""Commits and trees parsed from git's raw bytes (gitreg/git/objects/rawparse.py) read as
libgit2 reads them: real objects written by git, compared with pygit2's view of each."""
from __future__ import annotations

import subprocess

import pygit2

from gitreg.git.objects import rawparse


def _git(path, *args, input: bytes | None = None) -> bytes:
    proc = subprocess.run(["git", f"--git-dir={path}", *args], capture_output=True, input=input)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def _oid(path, *args, input: bytes | None = None) -> str:
    return _git(path, *args, input=input).decode().strip()


def test_commits_parse_as_libgit2_parses_them(tmp_path):
    path = tmp_path / "r.git"
    _git(tmp_path, "init", "--quiet", "--bare", str(path))
    tree = _oid(path, "mktree", input=b"")
    one = _oid(path, "commit-tree", tree, "-m", "one")
    two = _oid(path, "commit-tree", tree, "-m", "two")
    merge = _oid(path, "commit-tree", tree, "-p", one, "-p", two, "-m", "register m v2\n\nbody")
    # a signature-like header whose continuation lines mimic tree and parent lines
    raw = (f"tree {tree}\nparent {one}\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\n"
           f"gpgsig -----BEGIN-----\n parent {two}\n tree {one}\n \n -----END-----\n\n\nmessage\n").encode()
    signed = _oid(path, "hash-object", "-w", "-t", "commit", "--stdin", input=raw)
    repo = pygit2.Repository(str(path))
    for oid in (one, merge, signed):
        parsed = rawparse.commit(_git(path, "cat-file", "commit", oid))
        theirs = repo.get(oid)
        assert parsed is not None
        assert parsed.tree == str(theirs.tree_id)
        assert parsed.parents == [str(p) for p in theirs.parent_ids]
        assert parsed.message == theirs.raw_message
    assert rawparse.commit(b"not a commit") is None
    assert rawparse.commit(f"tree {tree}\nparent nothex\n\nm".encode()) is None


def test_tree_names_are_every_entry_whatever_its_kind(tmp_path):
    path = tmp_path / "r.git"
    _git(tmp_path, "init", "--quiet", "--bare", str(path))
    blob = _oid(path, "hash-object", "-w", "--stdin", input=b"x\n")
    sub = _oid(path, "mktree", input=f"100644 blob {blob}\tinner\n".encode())
    commit = _oid(path, "commit-tree", sub, "-m", "c")
    listing = (f"100644 blob {blob}\tmanifest.yaml\n040000 tree {sub}\tdir\n"
               f"160000 commit {commit}\tmodel.yaml\n100755 blob {blob}\tna\u00efve name\n")
    tree = _oid(path, "mktree", input=listing.encode())
    names = rawparse.tree_names(_git(path, "cat-file", "tree", tree), 20)
    assert names == {e.name for e in pygit2.Repository(str(path)).get(tree)}
    assert names == {"manifest.yaml", "dir", "model.yaml", "na\u00efve name"}
    assert rawparse.tree_names(b"100644 truncated", 20) is None
    assert rawparse.tree_names(b"", 20) == set()
