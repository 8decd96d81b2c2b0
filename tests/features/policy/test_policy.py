"""Policy as code: the schema, `policy set` by admins only, approvals, deploy checked on the
client and on the server, and `verify --policy` judging each event by the policy of its time."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import DeploymentError, RemoteError
from gitreg.features.policy import PolicyError, parse
from tests.features.policy.conftest import as_person

EXAMPLE = b'''admins: [release@example.com]     # who may change the policy
signers:                          # git's allowed_signers lines
  - "release@example.com ssh-ed25519 AAAA..."
  - "alice@example.com ssh-ed25519 AAAA..."
environments:
  production:
    deployers: [release@example.com]          # who may deploy / roll back / undeploy
    approvals: {count: 2, from: [alice@example.com, bob@example.com, carol@example.com]}
    requires: [staging]                       # deployed there before
    gate: "accuracy >= 0.8"                   # gitreg's query language
  staging:
    deployers: ["*"]
'''


def test_the_issues_example_is_accepted_as_written():
    policy = parse(EXAMPLE)
    rule = policy.rule("production")
    assert rule.deployers == ("release@example.com",) and rule.approvals == 2
    assert rule.requires == ("staging",) and rule.gate == "accuracy >= 0.8"
    assert policy.rule("anything-else").deployers == ("*",)  # an environment not named is open


def test_each_problem_is_one_line():
    with pytest.raises(PolicyError) as err:
        parse(b"admins: 3\nsigners: [nonsense]\nenvironments: {prod: {approvals: {count: 4, from: [a@x]}, "
              b"gate: 'accuracy >>'}, Prod: {}}\n")
    lines = str(err.value).splitlines()
    assert len(lines) == 5
    for fragment in ("admins", "signers[0]", "approvals.count", "gate", "only in case"):
        assert sum(fragment in ln for ln in lines) == 1, fragment


def _policy(*people, **envs) -> str:
    signers = "".join(f'  - "{p.signer_line}"\n' for p in people)
    return f"admins: [release@example.com]\nsigners:\n{signers}environments:\n" + "".join(
        f"  {env}: {rule}\n" for env, rule in envs.items())


def test_two_approvals_and_staging_on_the_client_and_on_the_server(client, served, person, monkeypatch):
    release, alice, bob = person("release"), person("alice"), person("bob")
    reg = client()
    as_person(monkeypatch, reg, release)
    text = _policy(release, alice, bob,
                   production="{deployers: [release@example.com], approvals: {count: 2, "
                              "from: [alice@example.com, bob@example.com]}, requires: [staging], "
                              "gate: 'accuracy >= 0.8'}",
                   staging="{deployers: ['*']}")
    reg.set_policy(text)
    assert subprocess.run(["git", f"--git-dir={served}", "show", "refs/gitreg/policy:policy.yaml"],
                          capture_output=True, text=True).stdout == text
    reg.register_model("m", evaluation_scores={"accuracy": 0.9}, status="completed")
    with pytest.raises(DeploymentError) as err:
        reg.deploy("m", "v1")
    assert "needs 2 approvals" in str(err.value) and "not been deployed to staging" in str(err.value)
    assert "\n" not in str(err.value)
    reg.deploy("m", "v1", environment="staging", new_environment=True)
    as_person(monkeypatch, reg, alice)
    reg.approve("m:v1", environment="production", reason="looks good")
    with pytest.raises(DeploymentError, match="release@example.com may|alice@example.com may not deploy"):
        reg.deploy("m", "v1")  # alice is not a deployer
    as_person(monkeypatch, reg, release)
    with pytest.raises(DeploymentError, match="has 1"):
        reg.deploy("m", "v1")
    as_person(monkeypatch, reg, bob)
    reg.approve("m", "v1", environment="production")
    as_person(monkeypatch, reg, release)
    assert reg.deploy("m", "v1").version == "v1"
    assert [(a.approver, a.reason) for a in reg.approvals("m")] == [
        ("alice@example.com", "looks good"), ("bob@example.com", None)]

    # The server judges too: alice's clone has no policy (the client check is not the defence).
    other = ModelRegistry(served.parent / "alice.git")
    other.add_remote("origin", str(served), sync=True)
    monkeypatch.setattr("gitreg.features.policy.chain.in_force", lambda store: None)
    as_person(monkeypatch, other, alice)
    other.register_model("m", evaluation_scores={"accuracy": 0.95}, status="completed")  # alice may register
    with pytest.raises(RemoteError, match=r"refs/deployed/production/m.*deployers"):
        other.deploy("m", "v2")
    as_person(monkeypatch, other, None, email="mallory@example.com")  # unsigned
    with pytest.raises(RemoteError, match=r"refs/deployed/staging/m.*unsigned.*\[signature\]"):
        other.deploy("m", "v2", environment="staging")


def test_verify_policy_judges_each_event_by_the_policy_of_its_time(reg, monkeypatch, tmp_path):
    as_person(monkeypatch, reg, None, email="tester@example.com")
    reg.register_model("m", status="completed")
    reg.register_model("m", status="completed")
    reg.deploy("m", "v1")  # before any policy: fine then
    time.sleep(1.1)
    copy = tmp_path / "copy.git"
    shutil.copytree(reg.path, copy)
    reg.set_policy("admins: [tester@example.com]\nenvironments:\n  production: {deployers: [release@example.com]}\n")
    time.sleep(1.1)
    ModelRegistry(copy).deploy("m", "v2")  # a clone that never saw the policy
    subprocess.run(["git", f"--git-dir={reg.path}", "fetch", "-q", str(copy),
                    "refs/deployed/production/m:refs/deployed/production/m"], check=True)
    violations = reg.verify_policy()
    assert len(violations) == 1 and "deploy m v2" in violations[0] and "deployers" in violations[0]
    proc = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(reg.path), "verify", "--policy"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "1 policy violations" in proc.stdout


def test_sync_carries_the_policy_and_approvals(client, served, monkeypatch):
    a = client("a")
    as_person(monkeypatch, a, None, email="release@example.com")
    a.register_model("m", evaluation_scores={"accuracy": 0.9}, status="completed")
    a.set_policy("admins: [release@example.com]\nenvironments:\n  production: {approvals: 1}\n")
    a.approve("m:v1", environment="staging")  # not the one production needs
    b = ModelRegistry.clone(str(served), served.parent / "b.git")
    assert b.policy() is not None and [x.environment for x in b.approvals("m")] == ["staging"]
    with pytest.raises(DeploymentError, match="needs 1 approvals"):
        b.deploy("m", "v1")
    a.approve("m:v1", environment="production")
    assert b.deploy("m", "v1").version == "v1"  # the write's sync brought a's approval in
    b.set_policy("admins: [release@example.com]\n")
    a.pull()
    assert a.policy().text == "admins: [release@example.com]\n"


def test_show_and_history_show_approvals(reg, monkeypatch):
    as_person(monkeypatch, reg, None, email="alice@example.com")
    reg.register_model("m", status="completed")
    reg.approve("m:v1", environment="production", reason="eval \x1b[31mok")
    reg.deploy("m", "v1")
    assert [e.kind for e in reg.history("m")][-2:] == ["approve", "deployed"]
    run = lambda *a: subprocess.run([sys.executable, "-m", "gitreg", "-R", str(reg.path), *a],  # noqa: E731
                                    capture_output=True, text=True)
    shown = run("show", "m:v1").stdout
    assert "Approved for production by alice@example.com" in shown and "\x1b[31m" not in shown
    assert "approve" in run("history", "m").stdout
    with pytest.raises(DeploymentError, match="already approved"):
        reg.approve("m:v1", environment="production")


def test_gate_and_registrants_on_the_client_and_the_server(client, served, monkeypatch):
    reg = client()
    as_person(monkeypatch, reg, None, email="release@example.com")
    reg.set_policy("admins: [release@example.com]\nmodels: {'fraud-*': {registrants: [release@example.com]}}\n"
                   "environments:\n  production: {gate: 'accuracy >= 0.8 and status = completed'}\n")
    reg.register_model("m", evaluation_scores={"accuracy": 0.5}, status="completed")
    with pytest.raises(DeploymentError, match=r"does not pass the gate .*\(policy environments.production.gate\)"):
        reg.deploy("m", "v1")
    reg.update_evaluation_scores("m", "v1", accuracy=0.85)
    assert reg.deploy("m", "v1").version == "v1"
    as_person(monkeypatch, reg, None, email="mallory@example.com")
    with pytest.raises(DeploymentError, match="may not register fraud-x"):
        reg.register_model("fraud-x")
    # offline, a version and its deployment pushed together are judged as pushed (gate included)
    off = ModelRegistry(reg.path, offline=True)
    off.register_model("m", evaluation_scores={"accuracy": 0.3}, status="completed")
    monkeypatch.setattr("gitreg.features.policy.chain.in_force", lambda store: None)  # skip the client check
    off.deploy("m", "v2")
    proc = subprocess.run(["git", f"--git-dir={reg.path}", "push", "origin", "refs/tags/m/v2", "refs/heads/m",
                           "refs/deployed/production/m"], capture_output=True, text=True)
    assert proc.returncode != 0 and "refs/deployed/production/m: m v2 does not pass the gate" in proc.stderr
    off.update_evaluation_scores("m", "v2", accuracy=0.9)
    proc = subprocess.run(["git", f"--git-dir={reg.path}", "push", "origin", "refs/tags/m/v2", "refs/heads/m",
                           "refs/deployed/production/m", "refs/notes/gitreg/m"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_verify_policy_flags_what_a_forge_would_let_through(reg, monkeypatch, tmp_path):
    """Written in a clone that ignores the policy and fetched in with plain git (a forge has no
    hook): an approval by someone not allowed, a deploy without approvals, a policy changed by
    a non-admin. Each is one violation naming its rule."""
    as_person(monkeypatch, reg, None, email="release@example.com")
    reg.register_model("m", status="completed")
    reg.set_policy("admins: [release@example.com]\nenvironments:\n  production: "
                   "{approvals: {count: 1, from: [alice@example.com]}}\n")
    time.sleep(1.1)
    rogue = tmp_path / "rogue.git"
    shutil.copytree(reg.path, rogue)
    monkeypatch.setattr("gitreg.features.policy.chain.in_force", lambda store: None)
    as_person(monkeypatch, ModelRegistry(rogue), None, email="mallory@example.com")
    ModelRegistry(rogue).approve("m:v1", environment="production")
    ModelRegistry(rogue).deploy("m", "v1")
    time.sleep(1.1)  # the next policy is later than those events (the policy of an event's time judges it)
    g = lambda *a, **k: subprocess.run(["git", f"--git-dir={rogue}", *a], capture_output=True, text=True,  # noqa: E731
                                       check=True, **k).stdout.strip()
    blob = g("hash-object", "-w", "--stdin", input="admins: [mallory@example.com]\n")
    tree = g("mktree", input=f"100644 blob {blob}\tpolicy.yaml\n")
    g("update-ref", "refs/gitreg/policy", g("commit-tree", tree, "-p", "refs/gitreg/policy", "-m", "policy: change"))
    subprocess.run(["git", f"--git-dir={reg.path}", "fetch", "-q", str(rogue), "+refs/*:refs/*"], check=True)
    found = ModelRegistry(reg.path).verify_policy()
    assert len(found) == 3, found
    assert any("approvals/m" in v and "approvals.from" in v for v in found)
    assert any("deployed/production/m" in v and "needs 1 approvals" in v for v in found)
    assert any("refs/gitreg/policy" in v and "policy admins" in v for v in found)
