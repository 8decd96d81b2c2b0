"""The owner record of a ref update says, while the locks are held, who holds them, which
moves it means to make and each lock's inode; it is gone once the update is done."""
from __future__ import annotations

import json
import os

import pygit2

from gitreg.git.refs import lockowner
from gitreg.git.refs.transaction import RefUpdate, update_refs


def test_the_record_names_the_locks_their_inodes_and_the_moves_while_they_are_held(tmp_path):
    gitdir = tmp_path / "r.git"
    repo = pygit2.init_repository(str(gitdir), bare=True)
    sig = pygit2.Signature("a", "a@example.com", 1, 0)
    first = repo.create_commit(None, sig, sig, "one", repo.TreeBuilder().write(), [])
    second = repo.create_commit(None, sig, sig, "two", repo.TreeBuilder().write(), [first])
    repo.references.create("refs/heads/m", first)
    seen: list[dict] = []

    def check() -> None:  # runs with every lock taken, before any ref moves
        (record,) = lockowner.records(gitdir)
        data = json.loads(record.read_bytes())
        locks = {rel: os.stat(gitdir / rel).st_ino for rel in ("refs/tags/m/v1.lock", "refs/heads/m.lock")}
        assert data["locks"] == locks
        assert data["pending"] == {"refs/tags/m/v1": [None, str(second)],
                                   "refs/heads/m": [str(first), str(second)]}
        assert data["pid"] == os.getpid() and data["host"] == lockowner.me()["host"]
        seen.append(data)

    update_refs(repo, [RefUpdate("refs/tags/m/v1", None, second), RefUpdate("refs/heads/m", first, second)],
                "test", check=check)
    assert seen and repo.references["refs/heads/m"].target == second
    assert lockowner.records(gitdir) == []  # removed with the locks
