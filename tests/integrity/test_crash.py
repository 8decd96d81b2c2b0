"""kill -9 at any instant of a write: the next gitreg write completes or discards it, with no
manual step; fsck is clean and no version is half-written or registered twice."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from tests.conftest import trials
from tests.integrity.crashcheck import check_after_crash, fsck, half_versions

# A writer that dies after the first of its ref moves (the tag) and before the branch: the
# steps of storage.transaction.update_refs, run by a real process that SIGKILLs itself there.
_DIE_BETWEEN_TAG_AND_BRANCH = """
import os, signal, sys, time
from pathlib import Path
from gitreg.core import yamlio
from gitreg.model import manifest as mf
from gitreg.git.refs import layout, lockowner
from gitreg.git.repository import Store
store = Store.open(Path(sys.argv[1]))
repo, gitdir, model = store.repo, Path(sys.argv[1]), "m"
tip = store.ref_target(layout.branch_ref(model))
when = time.time()
manifest = mf.build_manifest(model=model, version="v2", created_at=mf.now_iso(when), status="completed",
    parent=None, base_model=None, training=None, scores={}, files=[], training_data=[], git_commit=None,
    tags=[], notes="")
tree = store.write_tree({"manifest.yaml": yamlio.dump(manifest)})
commit = store.write_commit(tree, [tip], "register m v2\\n", when)
tag = store.write_tag("m/v2", commit, "m v2\\n", when)
refs = [layout.tag_ref(model, "v2"), layout.branch_ref(model)]
with lockowner.holding(gitdir, [gitdir / f"{r}.lock" for r in refs]) as owner:
    owner.intend({refs[0]: [None, str(tag)], refs[1]: [str(tip), str(commit)]})
    branch_txn, tag_txn = repo.transaction(), repo.transaction()
    for txn, ref in ((branch_txn, refs[1]), (tag_txn, refs[0])):
        txn.lock_ref(ref)
        owner.took(gitdir / f"{ref}.lock")
    tag_txn.set_target(refs[0], tag, message="x")
    branch_txn.set_target(refs[1], commit, message="x")
    tag_txn.__exit__(None, None, None)  # the tag is in place, the branch lock still held
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_writer_killed_between_tag_and_branch_is_completed_by_the_next(registry_path, git):
    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    proc = subprocess.run([sys.executable, "-c", _DIE_BETWEEN_TAG_AND_BRANCH, str(registry_path)])
    assert proc.returncode == -signal.SIGKILL
    assert (registry_path / "refs/heads/m.lock").exists()  # what the dead writer left
    started = time.monotonic()
    v = ModelRegistry(registry_path).register_model("m")
    assert time.monotonic() - started < 5  # no waiting for a timeout, no human
    assert v.version == "v3"  # v2 was completed, not reused
    assert sorted(line for line in git(registry_path, "log", "--format=%s", "refs/heads/m").splitlines()) == [
        "create model m", "register m v1", "register m v2", "register m v3"]
    assert half_versions(registry_path) == []
    assert not list(registry_path.glob("gitreg-locks/*.json"))


def test_a_lock_held_by_a_live_process_is_never_broken(registry_path):
    """A lock no owner record names (git's, or a live writer's) is left alone: the writer
    waits, then says which file to check."""
    from gitreg.core.errors import ConcurrentUpdateError
    from gitreg.git.refs import transaction

    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    lock = registry_path / "refs/heads/m.lock"
    lock.write_text("")
    old = time.time() - 60
    os.utime(lock, (old, old))
    with pytest.raises(ConcurrentUpdateError, match="m.lock"):
        transaction.retrying(lambda: ModelRegistry(registry_path).register_model("m"), "register", seconds=1)
    assert lock.exists()


WRITES = [
    ["add", "m", "--accuracy", "0.9", "--notes", "crash trial"],
    ["add", "fresh{n}"],
    ["score", "m", "v1", "--accuracy", "0.7"],
    ["status", "m", "v1", "deprecated"],
    ["tag", "m", "v1", "t{n}"],
    ["meta", "m", "--description", "d{n}"],
    ["deploy", "m", "v1"],
    ["rollback", "m"],
    ["undeploy", "m"],
]


SYNCED_WRITES = WRITES + [["pull"], ["push"]]


def kill_trials(path, count: int, seed: int = 12, remote=None) -> None:
    """`count` trials on the registry at path; with `remote`, path is a synced clone of it
    (writes publish there first) and the remote is checked too."""
    rng = random.Random(seed)
    reg = ModelRegistry(remote or path)
    reg.register_model("m")
    reg.register_model("m")
    reg.deploy("m", "v2")
    if remote is not None:
        ModelRegistry.clone(str(remote), path)
    for n in range(count):
        args = [a.format(n=n) for a in rng.choice(SYNCED_WRITES if remote else WRITES)]
        proc = subprocess.Popen([sys.executable, "-m", "gitreg", "-R", str(path), *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        check_after_crash(path, ["m"])
        if remote is not None:
            ModelRegistry(path).pull()
            assert fsck(remote) == [] and half_versions(remote) == []


@pytest.mark.scale
def test_kill_9_at_random_points_of_every_write_kind(registry_path):
    kill_trials(registry_path, trials(ci=8, full=120))


@pytest.mark.scale
def test_kill_9_in_a_synced_clone(tmp_path):
    kill_trials(tmp_path / "clone.git", trials(ci=4, full=60), seed=7, remote=tmp_path / "remote.git")


# A gitreg writer killed while holding locks, before moving anything (argv: registry, refs...).
_DIE_HOLDING = """
import os, signal, sys
from pathlib import Path
import pygit2
from gitreg.git.refs import lockowner
gitdir = Path(sys.argv[1])
repo = pygit2.Repository(str(gitdir))
refs = sys.argv[2:]
with lockowner.holding(gitdir, [gitdir / f"{r}.lock" for r in refs]) as owner:
    txns = []
    for ref in refs:
        txns.append(repo.transaction())
        txns[-1].lock_ref(ref)
        owner.took(gitdir / f"{ref}.lock")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_dead_writers_locks_in_a_synced_clone_block_nothing(tmp_path):
    remote = tmp_path / "remote.git"
    ModelRegistry(remote).register_model("m")
    ModelRegistry(remote).register_model("other")
    clone = ModelRegistry.clone(str(remote), tmp_path / "clone.git")
    path = tmp_path / "clone.git"
    refs = ["refs/gitreg/remotes/origin/heads/m", "refs/heads/m", "refs/notes/gitreg/m"]
    proc = subprocess.run([sys.executable, "-c", _DIE_HOLDING, str(path), *refs])
    assert proc.returncode == -signal.SIGKILL
    assert all((path / f"{r}.lock").exists() for r in refs)
    ModelRegistry(remote).register_model("m")  # something to pull
    started = time.monotonic()
    clone.pull()
    assert clone.register_model("other").version == "v2"
    assert clone.register_model("m").version == "v3"
    clone.update_evaluation_scores("m", "v1", accuracy=0.5)
    assert time.monotonic() - started < 30
    assert not list((path / "refs").rglob("*.lock"))


def test_a_stale_packed_refs_lock_is_cleared_when_packing_is_due(registry_path):
    from gitreg.git.repository import Store

    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    lock = registry_path / "packed-refs.lock"
    lock.write_text("")
    past = time.time() - 600
    os.utime(lock, (past, past))
    assert Store.open(registry_path).pack_refs_if_needed(limit=0)
    assert not lock.exists()
    assert not (registry_path / "refs/tags/m/v1").exists()  # packed


def _kill_naming(path) -> None:
    """SIGKILL every process whose command line names `path` (the remote's receive-pack and its
    shell, which git starts outside the killed process group), and wait until they are gone."""
    needle = str(path).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)
                    pids.append(int(entry.name))
            except (OSError, ProcessLookupError):  # gone meanwhile
                pass
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in pids):
        assert time.monotonic() < deadline, "a killed receive-pack did not go"
        time.sleep(0.02)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def cut_between_branch_and_tag(tmp_path, git):
    """(remote, clone, the tag id in git's lock) after a synced `gitreg add m` (v2) whose remote
    receive-pack was killed, with the whole gitreg process group, after renaming the branch
    lock and before the tag's: receive-pack commits an atomic push ref by ref, and here it
    blocks exactly between the two on a FIFO where git writes the tag's reflog."""
    remote, path = tmp_path / "remote.git", tmp_path / "clone.git"
    ModelRegistry(remote).register_model("m")
    ModelRegistry.clone(str(remote), path)
    git(remote, "config", "core.logAllRefUpdates", "always")
    fifo = remote / "logs/refs/tags/m/v2"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    before = git(remote, "rev-parse", "refs/heads/m")
    proc = subprocess.Popen([sys.executable, "-m", "gitreg", "-R", str(path), "add", "m"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = remote / "refs/tags/m/v2.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and git(remote, "rev-parse", "refs/heads/m") != before):
        assert proc.poll() is None and time.monotonic() < deadline, "receive-pack never reached the tag"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    _kill_naming(remote)  # receive-pack is not in gitreg's group: it would wait on the FIFO forever
    fifo.unlink()  # the test's instrument, not part of what the kill left
    assert [p.split(":")[0] for p in half_versions(remote)] == ["m v2"]  # the 1-in-352 trial's state
    time.sleep(2.5)  # older than any receive-pack holds a lock
    return remote, path, lock.read_text().strip()


def test_a_synced_add_whose_remote_commit_is_cut_between_branch_and_tag_is_completed(tmp_path, git):
    """The next write completes the version on the remote (the same tag object, from the lock
    git left) and here, and numbering goes on."""
    remote, path, left = cut_between_branch_and_tag(tmp_path, git)
    check_after_crash(path, ["m"])
    assert half_versions(remote) == [] and not (remote / "refs/tags/m/v2.lock").exists()
    assert git(remote, "rev-parse", "refs/tags/m/v2").strip() == left  # completed, not re-made
    assert git(remote, "rev-parse", "refs/tags/m/v3") == git(path, "rev-parse", "refs/tags/m/v3")


def test_a_killed_synced_writers_pending_record_lock_is_cleared_by_the_next_write(tmp_path):
    remote, path = tmp_path / "remote.git", tmp_path / "clone.git"
    ModelRegistry(remote).register_model("m")
    clone = ModelRegistry.clone(str(remote), path)
    record = "refs/gitreg/pending/origin/20261207T000000Z-1-0badf00d"
    proc = subprocess.run([sys.executable, "-c", _DIE_HOLDING, str(path), record])
    assert proc.returncode == -signal.SIGKILL and (path / f"{record}.lock").exists()
    assert clone.register_model("m").version == "v2"
    assert not list((path / "refs").rglob("*.lock"))
