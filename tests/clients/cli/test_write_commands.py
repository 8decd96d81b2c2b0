from __future__ import annotations

import json

import yaml


def test_deploy_rollback_undeploy_messages_and_refs(cli, registry_path, git):
    for _ in range(3):
        cli("add", "majora")
    assert cli("deploy", "majora", "v1").out == "Deployed majora v1 to production\n"
    assert cli("deploy", "majora", "v2", "--reason", "better").out == (
        "Deployed majora v2 to production (was v1; now deprecated)\n"
    )
    assert cli("deploy", "majora", "v2").out == "majora v2 is already deployed in production\n"
    assert cli("rollback", "majora").out == (
        "Rolled back majora in production to v1 (was v2; now deprecated)\n"
    )
    assert cli("deploy", "majora", "v3", "--env", "staging", "--new-env").code == 0
    assert cli("undeploy", "majora", "--env", "staging").out == "Undeployed majora v3 from staging\n"
    log = git(registry_path, "log", "--format=%s", "refs/deployed/production/majora").splitlines()
    assert log == [
        "rollback majora v1 to production (was v2)",
        "deploy majora v2 to production (was v1)",
        "deploy majora v1 to production",
    ]
    record = yaml.safe_load(git(registry_path, "show", "refs/deployed/production/majora~1:deployment.yaml"))
    assert record["reason"] == "better" and record["previous_version"] == "v1"
    staging = yaml.safe_load(git(registry_path, "show", "refs/deployed/staging/majora:deployment.yaml"))
    assert staging["version"] is None and staging["action"] == "undeploy"


def test_rollback_with_nothing_to_roll_back_to(cli):
    cli("add", "majora")
    cli("deploy", "majora", "v1")
    r = cli("rollback", "majora")
    assert r.code == 1
    assert r.err == "gitreg: error: nothing to roll back to: majora has no earlier deployment in production\n"


def test_score_writes_a_note(cli, registry_path, git):
    cli("add", "majora", "--accuracy", "0.85")
    r = cli("score", "majora", "v1", "--accuracy", "0.9", "--metric", "pass_at_1=0.5")
    assert r.out == "Updated scores of majora v1: accuracy=0.9, pass_at_1=0.5\n"
    note = yaml.safe_load(git(registry_path, "notes", "--ref=gitreg/majora", "show", "majora/v1^{commit}"))
    assert note["evaluation_scores"] == {"accuracy": 0.9, "custom_metrics": {"pass_at_1": 0.5}}
    assert cli("score", "majora", "v1").code == 2


def test_status_and_tags(cli):
    cli("add", "majora")
    assert cli("status", "majora", "v1", "archived").out == "majora v1 is now archived\n"
    r = cli("status", "majora", "v1", "deployed")
    assert r.code == 1 and "derived" in r.err
    r = cli("status", "majora", "v1", "bogus")
    assert r.code == 1 and "unknown status 'bogus'" in r.err
    assert cli("tag", "majora", "v1", "stable", "coder").out == "majora v1 tags: stable, coder\n"
    assert cli("tag", "majora", "v1", "coder", "--remove").out == "majora v1 tags: stable\n"
    assert json.loads(cli("show", "majora", "v1", "--json").out)["status"] == "archived"


def test_init_creates_a_bare_registry(cli, registry_path, git):
    r = cli("init")
    assert r.out == f"Initialized empty gitreg registry at {registry_path}\n"
    assert git(registry_path, "rev-parse", "--is-bare-repository").strip() == "true"
    assert cli("init").out == f"Registry exists at {registry_path}\n"
