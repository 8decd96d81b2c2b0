"""Pending records of pushes whose outcome is unknown (gitreg/git/transport/pending.py), with a remote
by path whose hook loses the push's answer and moves the repository away, so that the look
afterwards fails too; then settling them through pull, doctor --repair and a retried
rollback, and what a bad record does (nothing but a doctor finding)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import RemoteError
from gitreg.git.repository import Store
from gitreg.git.transport import pending
from gitreg.git.transport import remote as transport
from tests.clients.cli.conftest import run_gitreg
from tests.conftest import fsck_problems

PENDING = "refs/gitreg/pending/"


class Vanishing:
    """A bare remote whose next push loses its answer, after (`committed`) or before it took
    effect (`pre-receive`), and whose repository is then gone until restore()."""

    def __init__(self, tmp: Path) -> None:
        self.path, self.away, self.fired = tmp / "served.git", tmp / "away.git", tmp / "fired"
        subprocess.run(["git", "init", "--quiet", "--bare", str(self.path)], check=True)

    def arm(self, published: bool) -> None:
        self.fired.unlink(missing_ok=True)
        hook = self.path / "hooks" / ("reference-transaction" if published else "pre-receive")
        hook.write_text(("[ \"$1\" = committed ] || exit 0\n" if published else "") + f"""
[ -e {self.fired} ] && exit 0
touch {self.fired}
mv {self.path} {self.away}
kill -9 $PPID
""")
        hook.chmod(0o755)

    def restore(self) -> None:
        self.away.rename(self.path)


def pending_refs(refs, path) -> list[str]:
    return [r for r in refs(path) if r.startswith(PENDING)]


def test_pull_settles_a_push_that_had_arrived_and_says_so(tmp_path, refs, git):
    server = Vanishing(tmp_path)
    reg = tmp_path / "a.git"
    assert run_gitreg("-R", str(reg), "remote", "add", "origin", str(server.path)).code == 0
    server.arm(published=True)
    r = run_gitreg("-R", str(reg), "add", "m", "--notes", "first")
    assert r.code == 1 and "may or may not have it" in r.err, r.err
    [name] = pending_refs(refs, reg)
    record = pending.records(Store.open(reg), "origin")[0][0]
    assert record.kind == "register" and {p.ref for p in record.refs} == {"refs/heads/m", "refs/tags/m/v1"}
    assert all(p.old is None for p in record.refs)

    r = run_gitreg("-R", str(reg), "pull")  # still unreachable: one line, nothing written
    assert r.code == 1 and "origin is unreachable" in r.err and len(r.err.strip().splitlines()) == 1
    assert pending_refs(refs, reg) == [name]

    server.restore()
    r = run_gitreg("-R", str(reg), "push")  # push asks, takes nothing in, so keeps the record
    assert r.code == 0 and "earlier  register of m" in r.out and "'gitreg pull' or the next write" in r.out, r.out
    assert pending_refs(refs, reg) == [name]
    r = run_gitreg("-R", str(reg), "pull")
    assert r.code == 0 and "earlier  register of m" in r.out and "had reached origin, now here too" in r.out, r.out
    assert git(reg, "tag", "--list").split() == ["m/v1"]
    assert pending_refs(refs, reg) == []
    assert ModelRegistry(reg).get_version("m", "v1").notes == "first"


def test_doctor_lists_a_pending_push_and_repair_settles_it(tmp_path, refs, git):
    server = Vanishing(tmp_path)
    reg = tmp_path / "a.git"
    assert run_gitreg("-R", str(reg), "remote", "add", "origin", str(server.path)).code == 0
    assert run_gitreg("-R", str(reg), "add", "m").code == 0
    server.arm(published=False)
    assert run_gitreg("-R", str(reg), "deploy", "m", "v1").code == 1

    r = run_gitreg("-R", str(reg), "doctor", "--repair", "--yes")  # unreachable: listed, not settled
    assert r.code == 1 and "pending-push: refs/gitreg/pending/origin/" in r.out and "not settled" in r.out, r.out
    assert "deploy pushed to origin" in r.out and "refs/deployed/production/m" in r.out
    server.restore()
    r = run_gitreg("-R", str(reg), "doctor", "--repair", "--yes")
    assert r.code == 0 and "had not reached the remote" in r.out and "[repaired]" in r.out, r.out
    assert pending_refs(refs, reg) == []
    assert "refs/deployed/production/m" not in refs(server.path)
    r = run_gitreg("-R", str(reg), "deploy", "m", "v1")  # not published: the retry deploys
    assert r.code == 0 and "Deployed m v1 to production" in r.out, r.err


def test_a_retried_rollback_whose_first_attempt_arrived_rolls_back_once(tmp_path, git):
    server = Vanishing(tmp_path)
    reg = ModelRegistry(tmp_path / "a.git")
    reg.add_remote("origin", str(server.path))
    for _ in range(2):
        reg.register_model("m")
    reg.deploy("m", "v1")
    reg.deploy("m", "v2")
    server.arm(published=True)
    with pytest.raises(RemoteError, match="may or may not have it"):
        reg.rollback("m")
    server.restore()
    assert reg.rollback("m").version == "v1"
    assert reg.earlier_attempt is not None and reg.earlier_attempt.kind == "rollback"
    assert reg.earlier_attempt.message == "m in production was already rolled back to v1 " \
        "(an earlier attempt reached origin)"
    log = git(server.path, "log", "--format=%s", "refs/deployed/production/m").splitlines()
    assert [line.split(" ")[0] for line in log] == ["rollback", "deploy", "deploy"]
    assert reg.deployments("m") == {"production": "v1"}


def test_other_work_after_a_published_pending_push_registers_normally(tmp_path, refs, git):
    server = Vanishing(tmp_path)
    reg = ModelRegistry(tmp_path / "a.git")
    reg.add_remote("origin", str(server.path))
    server.arm(published=True)
    with pytest.raises(RemoteError):
        reg.register_model("m", "v1.0", notes="one")
    server.restore()
    again = reg.register_model("m", "v1.0", notes="one")  # an explicit version, the same work
    assert again.version == "v1.0" and reg.earlier_attempt.version == "v1.0"
    assert reg.register_model("m", notes="one").version == "v2"  # the record has served: a new version
    assert reg.earlier_attempt is None
    assert git(server.path, "tag", "--list").split() == ["m/v1.0", "m/v2"]
    assert pending_refs(refs, reg.path) == []


def test_pending_records_never_travel_and_bad_ones_stop_nothing(tmp_path, refs, git, bare_remote, monkeypatch):
    monkeypatch.setattr(transport, "EXPLICIT_MAX", 2)  # a full push goes as namespace wildcards
    reg = ModelRegistry(tmp_path / "a.git")
    for _ in range(3):
        reg.register_model("m")
    store = Store.open(reg.path)
    pending.write(store, "origin", "register", {"refs/tags/m/v9": (None, store.ref_target("refs/tags/m/v1"))},
                  "test")
    junk = git(reg.path, "hash-object", "-w", "--stdin", input="refs: [1, 2\n").strip()
    git(reg.path, "update-ref", f"{PENDING}origin/junk", junk)
    reg.add_remote("origin", str(bare_remote))
    report = reg.push()
    assert len(report.pushed) == 4
    assert [s.published for s in report.settled] == [False]  # push asked first: m/v9 is not there
    assert not any(r.startswith("refs/gitreg/") for r in refs(bare_remote))
    clone = ModelRegistry.clone(str(reg.path), tmp_path / "b.git")
    assert not any(r.startswith(PENDING) for r in refs(clone.path))

    assert [v.version for v in reg.list_versions("m")] == ["v1", "v2", "v3"]
    assert reg.verify().ok
    r = run_gitreg("-R", str(reg.path), "doctor")
    assert "bad-pending: refs/gitreg/pending/origin/junk" in r.out, r.out
    assert pending_refs(refs, reg.path) == [f"{PENDING}origin/junk"]
    assert reg.register_model("m").version == "v4"  # a synced write is not stopped by it
    assert run_gitreg("-R", str(reg.path), "doctor", "--repair", "--yes").code == 0
    assert pending_refs(refs, reg.path) == []
    assert fsck_problems(reg.path) == []
    pending.write(store, "origin", "push", {"refs/heads/m": (None, store.ref_target("refs/heads/m"))}, "test")
    reg.remove_remote("origin")  # a push to a remote that is gone can never be settled
    assert pending_refs(refs, reg.path) == []


def test_a_retry_after_gitreg_was_killed_mid_push_registers_nothing(tmp_path, refs, git, bare_remote):
    """The record is written before the push: gitreg killed once the server committed (by the
    server's hook) leaves it, and the retry recognises the version the server holds."""
    import sys

    reg = tmp_path / "a.git"
    assert run_gitreg("-R", str(reg), "remote", "add", "origin", str(bare_remote)).code == 0
    assert run_gitreg("-R", str(reg), "add", "m").code == 0
    pidfile = tmp_path / "gitreg.pid"
    hook = bare_remote / "hooks" / "reference-transaction"
    hook.write_text(f"#!/bin/sh\n[ \"$1\" = committed ] && [ -e {pidfile} ] && kill -9 $(cat {pidfile})\nexit 0\n")
    hook.chmod(0o755)
    add = [sys.executable, "-m", "gitreg", "-R", str(reg), "add", "m", "--notes", "killed"]
    proc = subprocess.Popen(add, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pidfile.write_text(str(proc.pid))
    proc.communicate(timeout=60)
    assert proc.returncode == -9
    pidfile.unlink()
    assert git(bare_remote, "tag", "--list").split() == ["m/v1", "m/v2"]  # the server has it
    assert git(reg, "tag", "--list").split() == ["m/v1"] and len(pending_refs(refs, reg)) == 1

    r = run_gitreg("-R", str(reg), "add", "m", "--notes", "killed")
    assert r.code == 0 and "already registered as m:v2 (an earlier attempt reached origin)" in r.out, (r.out, r.err)
    assert git(bare_remote, "tag", "--list").split() == ["m/v1", "m/v2"]
    assert git(reg, "tag", "--list").split() == ["m/v1", "m/v2"] and pending_refs(refs, reg) == []


def test_a_push_under_way_in_another_process_is_left_alone(tmp_path, refs, git, bare_remote):
    from gitreg.core import yamlio

    reg = ModelRegistry(tmp_path / "a.git")
    reg.add_remote("origin", str(bare_remote))
    reg.register_model("m")
    store = Store.open(reg.path)
    live = subprocess.Popen(["sleep", "60"])
    try:  # a record as another live gitreg pushing writes it
        record = pending.write(store, "origin", "register",
                               {"refs/tags/m/v7": (None, store.ref_target("refs/tags/m/v1"))}, "")
        body = yamlio.load_mapping(git(reg.path, "cat-file", "blob", record.blob).encode(), "record")
        started = Path(f"/proc/{live.pid}/stat").read_text().rpartition(")")[2].split()[19]
        body["writer"].update(pid=live.pid, started=started)
        blob = git(reg.path, "hash-object", "-w", "--stdin", input=yamlio.dump(body).decode()).strip()
        git(reg.path, "update-ref", record.name, blob)
        assert reg.register_model("m").version == "v2"  # not settled: it is another process's push
        assert pending_refs(refs, reg.path) == [record.name]
        r = run_gitreg("-R", str(reg.path), "doctor")
        assert f"being pushed to origin by process {live.pid}" in r.out, r.out
    finally:
        live.kill()
        live.wait()
    assert reg.register_model("m").version == "v3"  # its writer is gone: settled (it never arrived)
    assert pending_refs(refs, reg.path) == []


def test_a_lost_gitreg_push_records_nothing_and_is_safe_to_repeat(tmp_path, refs, git):
    server = Vanishing(tmp_path)
    reg = tmp_path / "a.git"
    assert run_gitreg("-R", str(reg), "add", "m").code == 0
    assert run_gitreg("-R", str(reg), "remote", "add", "origin", str(server.path)).code == 0
    server.arm(published=True)
    r = run_gitreg("-R", str(reg), "push")
    assert r.code == 1 and "may or may not have it" in r.err and "pushing it again is safe" in r.err, r.err
    assert pending_refs(refs, reg) == []  # the same objects go again: nothing to settle
    server.restore()
    r = run_gitreg("-R", str(reg), "push")
    assert r.code == 0 and "origin is up to date" in r.out, r.out
    assert git(server.path, "tag", "--list").split() == ["m/v1"]
