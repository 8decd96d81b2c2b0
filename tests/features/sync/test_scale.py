"""Clone, pull and a synced add of a big registry (20,000 versions; 2,000 in CI) under `ulimit -n 256`
(macOS's default): ref moves are batched, and running out of descriptors is a clear
error, never mistaken for another writer's lock.

The 20,000-version run is marked `scale` (GITREG_TEST_FULL=1 runs it whole): it was the
suite's costliest test (~19 s of CPU, mostly the pull integrating 20,200 refs). CI runs it
at 2,000 versions, which still needs what it checks: 2,020 refs to move, 8x the descriptor
limit (one transaction over them all fails with EMFILE; 64-ref batches pass), and far more
loose tags than the 256 that make gitreg pack refs."""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pygit2
import pytest

from benchmarks.fixtures import build_gitreg
from tests.conftest import trials

VERSIONS = trials(2_000, 20_000)  # 100 a model
FILES = 256


def _limit_files(n: int):
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


def gitreg_limited(*args: str, files: int = FILES) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitreg", *args], capture_output=True, text=True,
                          preexec_fn=_limit_files(files), timeout=300)


@pytest.fixture
def scratch(tmp_path):
    """tmpfs when there is room (a 20k-ref fixture is 40k small files on the way), else tmp_path."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 1 << 30:
        d = Path(tempfile.mkdtemp(prefix="gitreg-scale-", dir=shm))
        yield d
        shutil.rmtree(d, ignore_errors=True)
    else:
        yield tmp_path


@pytest.mark.scale
def test_clone_pull_and_synced_add_of_a_big_registry_under_256_files(scratch, refs):
    server = scratch / "server.git"
    build_gitreg(server, VERSIONS, lean=True)
    clone = scratch / "clone.git"

    start = time.monotonic()
    r = gitreg_limited("clone", str(server), str(clone))
    assert r.returncode == 0, r.stderr
    assert f"{VERSIONS // 100} models, {VERSIONS} versions" in r.stdout
    assert not any((clone / "refs" / "tags").rglob("*"))  # refs are packed
    clone_s = time.monotonic() - start

    late = scratch / "late.git"  # an empty registry pulling everything: every ref to integrate
    assert gitreg_limited("-R", str(late), "remote", "add", "origin", str(server)).returncode == 0
    r = gitreg_limited("-R", str(late), "pull")
    assert r.returncode == 0, r.stderr
    assert f"From origin: {VERSIONS + VERSIONS // 100} new, 0 updated, 0 merged" in r.stdout

    r = gitreg_limited("-R", str(clone), "add", "model-0007", "--accuracy", "0.5")
    assert r.returncode == 0 and "model-0007 v101" in r.stdout, r.stderr
    r = gitreg_limited("-R", str(late), "add", "model-0007")
    assert r.returncode == 0 and "model-0007 v102" in r.stdout, r.stderr
    ours = {k: v for k, v in refs(late).items() if not k.startswith("refs/gitreg/")}
    assert ours == refs(server)
    assert clone_s < 60


def test_running_out_of_descriptors_is_a_clear_error_not_a_lock(tmp_path):
    """A transaction that cannot open its lock files says so at once (no 2-minute retry)."""
    path = tmp_path / "r.git"
    repo = pygit2.init_repository(str(path), bare=True)
    sig = pygit2.Signature("a", "a@example.com")
    commit = repo.create_commit(None, sig, sig, "m", repo.TreeBuilder().write(), [])
    code = f"""
import resource, sys, time, pygit2
from gitreg.git.refs.transaction import update_refs, RefUpdate
from gitreg.core.errors import ResourceLimitError
repo = pygit2.Repository({str(path)!r})
held = []
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))
start = time.monotonic()
try:
    update_refs(repo, [RefUpdate(f"refs/heads/m{{i}}", None, pygit2.Oid(hex={str(commit)!r})) for i in range(200)], "x")
except ResourceLimitError as exc:
    print("limit", round(time.monotonic() - start, 1), exc)
from gitreg.git.refs.transaction import advance_refs
print(len(advance_refs(repo, {{f"refs/heads/n{{i}}": pygit2.Oid(hex={str(commit)!r}) for i in range(1000)}}, "x")))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    limit, moved = r.stdout.splitlines()
    assert limit.startswith("limit 0.") and "too many open files" in limit, r.stdout + r.stderr
    assert not list(path.glob("refs/heads/m*"))  # nothing of the refused transaction moved
    # advance_refs (integrating a fetch) needs no atomicity across refs: its batches fit in 128 files
    assert moved == "1000" and len(list(path.glob("refs/heads/n*"))) == 1000
