"""`gitreg policy set|show`, `approve`, a deploy the policy refuses, `verify --policy`: one line
on stderr and a non-zero exit for every refusal, never a traceback."""
from __future__ import annotations

import pytest


@pytest.fixture
def as_email(monkeypatch):
    def use(email: str) -> None:
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.setenv(f"GIT_{role}_EMAIL", email)
    return use


def test_policy_set_by_admins_only_and_show(gitreg_proc, as_email, tmp_path):
    as_email("release@example.com")
    (tmp_path / "p.yaml").write_text("admins: [release@example.com]\n")
    assert gitreg_proc("policy", "show").out.startswith("No policy")
    assert gitreg_proc("policy", "set", str(tmp_path / "p.yaml")).code == 0
    as_email("mallory@example.com")
    r = gitreg_proc("policy", "set", str(tmp_path / "p.yaml"))
    assert r.code == 1 and "not an admin" in r.err and "Traceback" not in r.err and len(r.err.splitlines()) == 1
    (tmp_path / "bad.yaml").write_text("admins: 3\nsigners: [x]\n")
    r = gitreg_proc("policy", "set", str(tmp_path / "bad.yaml"))
    assert r.code == 1 and "admins must be a list" in r.err and "signers[0]" in r.err
    assert "admins: [release@example.com]" in gitreg_proc("policy", "show").out
    r = gitreg_proc("policy", "set", str(tmp_path / "missing.yaml"))
    assert r.code != 0 and "Traceback" not in r.err


def test_approve_then_deploy(gitreg_proc, as_email, tmp_path):
    as_email("release@example.com")
    (tmp_path / "p.yaml").write_text("admins: [release@example.com]\nenvironments:\n"
                                     "  production: {approvals: {count: 1, from: [alice@example.com]}}\n")
    assert gitreg_proc("add", "m", "--status", "completed").code == 0
    assert gitreg_proc("policy", "set", str(tmp_path / "p.yaml")).code == 0
    r = gitreg_proc("deploy", "m:v1")
    assert r.code == 1 and r.err.count("\n") == 1 and "needs 1 approvals from alice@example.com" in r.err
    assert "(policy environments.production.approvals)" in r.err and "Traceback" not in r.err
    r = gitreg_proc("approve", "m:v1", "--env", "production")
    assert r.code == 1 and "may not approve" in r.err
    as_email("alice@example.com")
    r = gitreg_proc("approve", "m:v1", "--env", "production", "--reason", "eval ok")
    assert r.code == 0 and "Approved m v1 for production as alice@example.com" in r.out
    as_email("release@example.com")
    assert gitreg_proc("deploy", "m:v1").code == 0
    assert "Approved for production by alice@example.com" in gitreg_proc("show", "m:v1").out
    assert gitreg_proc("verify", "--policy").code == 0
