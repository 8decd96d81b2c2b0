"""Pushes whose outcome is truly unknown, through a real Apache smart-HTTP server: the server
loses the answer AND the look afterwards fails; the retried command (a real gitreg process)
never writes a second version or deployment (gitreg/git/transport/pending.py, gitreg/features/sync/retries.py)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.clients.cli.conftest import run_gitreg
from tests.conftest import fsck_problems
from tests.features.sync.test_faults import http_registry
from tests.servers.apache import apache  # noqa: F401

# On the server, once: after receive-pack committed the refs, fetching is switched off
# (git-http-backend then answers 403) and receive-pack is killed before it reports.
LOSE_ANSWER_AND_LOOK = """#!/bin/sh
[ "$1" = committed ] || exit 0
[ -e killed-once ] && exit 0
touch killed-once
git config http.uploadpack false
kill -9 $PPID
"""
# The same, but before anything is committed: the push never took effect.
LOSE_PUSH_AND_LOOK = """#!/bin/sh
[ -e killed-once ] && exit 0
touch killed-once
git config http.uploadpack false
kill -9 $PPID
"""
PENDING = "refs/gitreg/pending/"


def reachable_again(apache) -> None:  # noqa: F811
    subprocess.run(["git", f"--git-dir={apache.path()}", "config", "--unset", "http.uploadpack"], check=True)


def pending_refs(refs, path: Path) -> list[str]:
    return [r for r in refs(path) if r.startswith(PENDING)]


def test_a_retried_add_whose_first_attempt_reached_the_server_registers_nothing(tmp_path, apache, git, refs):  # noqa: F811
    reg = http_registry(apache, tmp_path / "a.git", apache.repo())
    apache.hook("registry.git", "reference-transaction", LOSE_ANSWER_AND_LOOK)
    add = ("-R", str(reg), "add", "majora", "--notes", "first try", "--accuracy", "0.9")

    r = run_gitreg(*add)
    assert (apache.path() / "killed-once").exists()
    assert r.code == 1 and "origin may or may not have it" in r.err and "never writes it twice" in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert git(apache.path(), "tag", "--list").split() == ["majora/v1"]  # the server did commit
    assert [r for r in refs(reg) if not r.startswith("refs/gitreg/")] == []  # nothing here
    assert len(pending_refs(refs, reg)) == 1

    r = run_gitreg("-R", str(reg), "doctor")
    assert r.code == 1 and "pending-push" in r.out and "majora" in r.out, r.out

    r = run_gitreg(*add)  # still unreachable: stops, writes nothing, keeps the record
    assert r.code == 1 and "origin is unreachable" in r.err and "nothing written" in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert [r for r in refs(reg) if not r.startswith("refs/gitreg/")] == []
    assert len(pending_refs(refs, reg)) == 1

    reachable_again(apache)
    r = run_gitreg(*add)
    assert r.code == 0 and "already registered as majora:v1 (an earlier attempt reached origin)" in r.out, r.err
    assert git(apache.path(), "tag", "--list").split() == ["majora/v1"]
    assert git(reg, "tag", "--list").split() == ["majora/v1"]
    assert pending_refs(refs, reg) == []
    assert "refs/gitreg" not in git(apache.path(), "for-each-ref")  # never published
    assert "refs/gitreg" not in subprocess.run(["git", "ls-remote", apache.url()], capture_output=True,
                                               text=True, check=True).stdout
    assert fsck_problems(apache.path()) == [] and fsck_problems(reg) == []

    r = run_gitreg("-R", str(reg), "add", "majora", "--notes", "other work")  # different work goes on
    assert r.code == 0 and "Registered majora v2" in r.out, r.err
    assert run_gitreg("-R", str(reg), "verify").code == 0


def test_a_retried_add_whose_first_attempt_never_arrived_registers_it(tmp_path, apache, git, refs):  # noqa: F811
    reg = http_registry(apache, tmp_path / "a.git", apache.repo())
    assert run_gitreg("-R", str(reg), "add", "majora").code == 0
    apache.hook("registry.git", "pre-receive", LOSE_PUSH_AND_LOOK)

    r = run_gitreg("-R", str(reg), "add", "majora", "--notes", "second")
    assert r.code == 1 and "may or may not have it" in r.err, r.err
    assert git(apache.path(), "tag", "--list").split() == ["majora/v1"]
    assert len(pending_refs(refs, reg)) == 1

    reachable_again(apache)
    r = run_gitreg("-R", str(reg), "add", "majora", "--notes", "second")
    assert r.code == 0 and "Registered majora v2" in r.out, r.err
    assert git(apache.path(), "tag", "--list").split() == ["majora/v1", "majora/v2"]
    assert git(reg, "tag", "--list").split() == ["majora/v1", "majora/v2"]
    assert pending_refs(refs, reg) == []
    assert fsck_problems(apache.path()) == []


def test_a_retried_deploy_whose_first_attempt_reached_the_server_appends_nothing(tmp_path, apache, git, refs):  # noqa: F811
    reg = http_registry(apache, tmp_path / "a.git", apache.repo())
    assert run_gitreg("-R", str(reg), "add", "majora").code == 0
    assert run_gitreg("-R", str(reg), "add", "majora").code == 0
    assert run_gitreg("-R", str(reg), "deploy", "majora", "v1").code == 0
    apache.hook("registry.git", "reference-transaction", LOSE_ANSWER_AND_LOOK)

    r = run_gitreg("-R", str(reg), "deploy", "majora", "v2")
    assert r.code == 1 and "may or may not have it" in r.err, r.err
    reachable_again(apache)
    r = run_gitreg("-R", str(reg), "deploy", "majora", "v2")
    assert r.code == 0 and "majora v2 was already deployed in production (an earlier attempt reached origin)" \
        in r.out, r.err
    log = git(apache.path(), "log", "--format=%s", "refs/deployed/production/majora").splitlines()
    assert log == ["deploy majora v2 to production (was v1)", "deploy majora v1 to production"]
    assert refs(reg)["refs/deployed/production/majora"] == refs(apache.path())["refs/deployed/production/majora"]
    assert pending_refs(refs, reg) == []
    assert fsck_problems(apache.path()) == []
