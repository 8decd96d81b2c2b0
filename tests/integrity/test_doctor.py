"""`gitreg doctor` reports what crashes and plain-git mistakes left, and --repair fixes it by appending."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from gitreg import ModelRegistry
from gitreg.clients.cli.main import main
from tests.integrity.crashcheck import half_versions
from tests.integrity.test_crash import _DIE_BETWEEN_TAG_AND_BRANCH


def _doctor(capsys, path, *args):
    capsys.readouterr()
    code = main(["-R", str(path), "doctor", *args])
    return code, capsys.readouterr().out


def _old(path):
    past = time.time() - 7200
    os.utime(path, (past, past))


def _untagged_version(git, path, model, version):
    """A register commit on the branch with no tag: what gitreg before this change could leave."""
    tip = git(path, "rev-parse", f"refs/heads/{model}").strip()
    manifest = f"schema: gitreg/1\nmodel_name: {model}\nversion: {version}\nstatus: completed\n"
    blob = git(path, "hash-object", "-w", "--stdin", input=manifest).strip()
    tree = git(path, "mktree", input=f"100644 blob {blob}\tmanifest.yaml\n").strip()
    commit = git(path, "commit-tree", tree, "-p", tip, "-m", f"register {model} {version}").strip()
    git(path, "update-ref", f"refs/heads/{model}", commit, tip)
    return commit


def test_a_clean_registry_has_nothing_to_repair(reg, registry_path, capsys):
    reg.register_model("m")
    code, out = _doctor(capsys, registry_path)
    assert code == 0 and "nothing to repair" in out


def test_doctor_reports_and_repairs_crash_leftovers(reg, registry_path, capsys, git):
    reg.register_model("m")
    proc = subprocess.run([sys.executable, "-c", _DIE_BETWEEN_TAG_AND_BRANCH, str(registry_path)])
    assert proc.returncode == -signal.SIGKILL
    tmp = registry_path / "objects" / "ab" / "tmp_object_git2_Xy12"
    tmp.parent.mkdir(exist_ok=True)
    tmp.write_bytes(b"partial")
    _old(tmp)
    packed_lock = registry_path / "packed-refs.lock"
    packed_lock.write_text("")
    _old(packed_lock)

    code, out = _doctor(capsys, registry_path)
    assert code == 1
    assert "stale-lock: refs/heads/m.lock" in out and "gone" in out
    assert "unowned-lock: packed-refs.lock" in out
    assert "temp-object: objects/ab/tmp_object_git2_Xy12" in out
    assert "unreachable-tag: refs/tags/m/v2" in out
    assert tmp.exists() and packed_lock.exists()  # a report changes nothing

    code, out = _doctor(capsys, registry_path, "--repair", "--yes")
    assert code == 0, out
    assert not tmp.exists() and not packed_lock.exists()
    assert not list((registry_path / "refs").rglob("*.lock"))
    assert half_versions(registry_path) == []
    assert [v.version for v in ModelRegistry(registry_path).list_versions("m")] == ["v1", "v2"]
    code, out = _doctor(capsys, registry_path)
    assert code == 0 and "nothing to repair" in out


def test_an_untagged_register_commit_is_never_given_its_number_again(reg, registry_path, git, capsys):
    reg.register_model("m")
    _untagged_version(git, registry_path, "m", "v2")
    assert ModelRegistry(registry_path).register_model("m").version == "v3"
    code, out = _doctor(capsys, registry_path)
    assert code == 1 and "untagged-version" in out and "v2" in out
    code, out = _doctor(capsys, registry_path, "--repair", "--yes")
    assert code == 0, out
    assert git(registry_path, "rev-parse", "m/v2^{commit}").strip()
    assert half_versions(registry_path) == []


def test_a_version_registered_twice_is_reported(reg, registry_path, git, capsys):
    reg.register_model("m")
    reg.register_model("m")
    _untagged_version(git, registry_path, "m", "v2")  # a second `register m v2` on the branch
    code, out = _doctor(capsys, registry_path, "--repair", "--yes")
    assert code == 1
    assert "registered-twice: refs/tags/m/v2" in out and "no automatic repair" in out


def test_doctor_repairs_a_version_published_in_part_and_writes_work_again(tmp_path, git, capsys):
    """The captured state of the half-written synced add: the remote holds the branch without
    the tag (git's lock left in its place) and this clone already took that branch in, with
    no pending record left (what gitreg before this change did). The repair completes the
    remote's tag from the lock, takes it here, and the next synced add and push work at once."""
    from tests.integrity.test_crash import cut_between_branch_and_tag

    remote, path, left = cut_between_branch_and_tag(tmp_path, git)
    for ref in git(path, "for-each-ref", "--format=%(refname)", "refs/gitreg/pending/").split():
        git(path, "update-ref", "-d", ref)
    git(path, "update-ref", "refs/heads/m", git(remote, "rev-parse", "refs/heads/m").strip())
    _old(remote / "refs/tags/m/v2.lock")  # found hours later, as in the captured state
    code, out = _doctor(capsys, path)
    assert code == 1 and "remote-lock: origin:refs/tags/m/v2.lock" in out and "untagged-version" in out
    code, out = _doctor(capsys, path, "--repair", "--yes")
    assert code == 0, out
    here = git(path, "rev-parse", "refs/tags/m/v2").strip()
    assert git(remote, "rev-parse", "refs/tags/m/v2").strip() == left == here
    started = time.monotonic()
    assert main(["-R", str(path), "add", "m"]) == 0
    assert main(["-R", str(path), "push"]) == 0
    assert time.monotonic() - started < 20
    assert half_versions(remote) == [] == half_versions(path)


def test_doctor_is_clean_after_storing_and_getting_files(tmp_path, capsys):
    """gitreg's own gitreg-cache/lfs-checked/ is not a stray cache file."""
    path, weights = tmp_path / "r.git", tmp_path / "adapter.bin"
    weights.write_bytes(b"weights" * 1000)
    assert main(["-R", str(path), "add", "m", "-f", f"lora={weights}", "--store"]) == 0
    assert main(["-R", str(path), "get", "m", "-o", str(tmp_path / "out")]) == 0
    assert (path / "gitreg-cache/lfs-checked").is_dir()
    code, out = _doctor(capsys, path)
    assert (code, out.strip()) == (0, f"{path}: nothing to repair")


def test_dead_writers_owner_records_with_no_lock_left_are_not_a_problem(registry_path, capsys):
    """A writer killed after writing its owner record and before taking a lock leaves a record
    that names nothing: not a problem for doctor (it removes it as writers' hourly sweep would)."""
    ModelRegistry(registry_path).register_model("m")
    die = ("import os, signal, sys; from pathlib import Path; from gitreg.git.refs import lockowner\n"
           "with lockowner.holding(Path(sys.argv[1]), [Path(sys.argv[1]) / 'refs/heads/m.lock']):\n"
           "    os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", die, str(registry_path)])
    assert proc.returncode == -signal.SIGKILL and list(registry_path.glob("gitreg-locks/*.json"))
    code, out = _doctor(capsys, registry_path)
    assert code == 0, out
    assert not list(registry_path.glob("gitreg-locks/*.json"))


def test_a_killed_add_store_leaves_a_partial_copy_that_doctor_reports_and_the_next_store_sweeps(tmp_path, capsys):
    path, big = tmp_path / "r.git", tmp_path / "big.bin"
    with open(big, "wb") as fh:  # long enough to hash that the copy is caught half-written
        fh.truncate(3 << 30)
    proc = subprocess.Popen([sys.executable, "-m", "gitreg", "-R", str(path), "add", "m", "-f", f"gguf={big}",
                             "--store"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((path / "lfs/tmp").glob("gitreg-*")):
        assert proc.poll() is None and time.monotonic() < deadline, "the copy was never seen"
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    copies = list((path / "lfs/tmp").glob("gitreg-*"))
    assert len(copies) == 1
    code, out = _doctor(capsys, path)
    assert code == 1 and f"lfs-temp: lfs/tmp/{copies[0].name}" in out
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 100)
    assert main(["-R", str(path), "add", "m", "-f", f"lora={small}", "--store"]) == 0
    assert not list((path / "lfs/tmp").glob("gitreg-*"))
    code, out = _doctor(capsys, path)
    assert code == 0, out


def test_a_branch_deleted_with_plain_git_is_a_named_problem_that_repair_restores(reg, registry_path, git, capsys):
    for _ in range(3):
        reg.register_model("m")
    reg.register_model("other")
    tip = git(registry_path, "rev-parse", "refs/heads/m").strip()
    git(registry_path, "update-ref", "-d", "refs/heads/m")
    assert main(["-R", str(registry_path), "verify"]) == 1
    out = capsys.readouterr().out
    assert "refs/heads/m" in out and "3 version tag(s) of m remain" in out
    code, out = _doctor(capsys, registry_path)
    assert code == 1 and "orphaned-tags: refs/heads/m: missing, while 3 version tag(s) of m remain" in out
    code, out = _doctor(capsys, registry_path, "--repair", "--yes")
    assert code == 0, out
    assert git(registry_path, "rev-parse", "refs/heads/m").strip() == tip
    assert [v.version for v in ModelRegistry(registry_path).list_versions("m")] == ["v1", "v2", "v3"]
    assert main(["-R", str(registry_path), "verify"]) == 0
