"""References on the command line: every command taking a model and a version takes
MODEL:VERSION, MODEL@ENV, MODEL@latest."""
from __future__ import annotations

import json


def test_references_in_the_cli(cli):
    cli("add", "majora", "--accuracy", "0.5")
    cli("add", "majora", "--accuracy", "0.6")
    assert cli("deploy", "majora:v1").code == 0
    shown = cli("show", "majora@production")
    assert shown.code == 0 and "v1" in shown.out and "production" in shown.out
    assert json.loads(cli("show", "majora", "--json").out)["version"] == "v2"  # MODEL alone: the latest
    assert cli("show", "majora", "v2").code == 0
    compared = cli("compare", "majora", "@production", "latest")
    assert compared.code == 0 and "0.5" in compared.out and "0.6" in compared.out
    bad = cli("show", "majora:production")
    assert bad.code == 1 and bad.err.strip() == "gitreg: error: invalid version name 'production': " \
        "must match v<digit>[A-Za-z0-9._-]* (e.g. v1, v2.1, v3-rc1)"


def _note(git, registry_path, version: str) -> dict:
    """The version's git note as the real git CLI reads it."""
    import yaml

    return yaml.safe_load(git(registry_path, "notes", "--ref=gitreg/majora", "show", f"majora/{version}^{{commit}}"))


def _live(git, registry_path, env: str = "production") -> dict:
    import yaml

    return yaml.safe_load(git(registry_path, "show", f"refs/deployed/{env}/majora:deployment.yaml"))


def _three(cli):
    for accuracy in ("0.5", "0.6", "0.7"):
        assert cli("add", "majora", "--accuracy", accuracy).code == 0
    assert cli("deploy", "majora:v2").code == 0


def test_score_status_tag_take_a_reference(cli, registry_path, git):
    _three(cli)
    r = cli("score", "majora@production", "--accuracy", "0.9")
    assert r.code == 0 and r.out == "Updated scores of majora v2: accuracy=0.9\n"
    assert _note(git, registry_path, "v2")["evaluation_scores"] == {"accuracy": 0.9}
    assert cli("score", "majora", "v1", "--accuracy", "0.4").code == 0  # MODEL VERSION still works
    assert _note(git, registry_path, "v1")["evaluation_scores"] == {"accuracy": 0.4}

    r = cli("status", "majora:v1", "archived")
    assert r.code == 0 and r.out == "majora v1 is now archived\n"
    assert _note(git, registry_path, "v1")["status"] == "archived"

    r = cli("tag", "majora@latest", "x", "y")
    assert r.code == 0 and r.out == "majora v3 tags: x, y\n"
    assert _note(git, registry_path, "v3")["tags"] == ["x", "y"]
    assert cli("tag", "majora:v3", "x", "--remove").out == "majora v3 tags: y\n"
    assert _note(git, registry_path, "v3")["tags"] == ["y"]
    assert cli("tag", "majora", "v2", "z").out == "majora v2 tags: z\n"


def test_a_change_needs_a_named_version(cli, registry_path, git):
    _three(cli)
    notes_before = git(registry_path, "for-each-ref", "refs/notes/")
    for args in (("score", "majora", "--accuracy", "0.9"), ("status", "majora", "archived")):
        r = cli(*args)
        assert r.code == 1 and r.err == ("gitreg: error: name the version to change: majora VERSION, "
                                         "majora:VERSION, majora@ENV or majora@latest\n"), args
    r = cli("tag", "majora:v1")
    assert r.code == 2 and "give at least one tag" in r.err
    r = cli("status", "majora@qa", "archived")
    assert r.code == 1 and r.err == "gitreg: error: nothing of majora is deployed in qa\n"
    r = cli("status", "majora:v1")
    assert r.code == 1 and "no status given" in r.err
    assert git(registry_path, "for-each-ref", "refs/notes/") == notes_before  # nothing written


def test_rollback_and_undeploy_take_a_reference(cli, registry_path, git):
    _three(cli)
    assert cli("deploy", "majora:v3").code == 0
    r = cli("rollback", "majora:v2")
    assert r.code == 0 and r.out.startswith("Rolled back majora in production to v2")
    assert _live(git, registry_path)["version"] == "v2"
    assert cli("deploy", "majora:v1", "--env", "staging", "--new-env").code == 0
    r = cli("rollback", "majora@staging")  # v1 was never live in production
    assert r.code == 1 and "majora v1 was never deployed in production" in r.err
    r = cli("undeploy", "majora@staging", "--env", "staging")
    assert r.code == 0 and r.out == "Undeployed majora v1 from staging\n"
    staging = _live(git, registry_path, "staging")
    assert staging["version"] is None and staging["action"] == "undeploy"
    r = cli("undeploy", "majora:v3")  # v2 is live in production, not v3
    assert r.code == 1 and _live(git, registry_path)["version"] == "v2"
    assert cli("undeploy", "majora@production").out == "Undeployed majora v2 from production\n"
    assert _live(git, registry_path)["version"] is None


def test_card_and_lineage_take_a_reference(cli, tmp_path):
    card = tmp_path / "README.md"
    card.write_text("# Majora v1\n")
    assert cli("add", "majora", "--card", str(card)).code == 0
    assert cli("add", "majora", "--parent", "v1").code == 0
    assert cli("deploy", "majora:v1").code == 0
    assert cli("card", "majora@production").out == "# Majora v1\n"
    assert cli("card", "majora:v1").out == "# Majora v1\n"
    r = cli("card", "majora@latest")
    assert r.code == 1 and r.err == "gitreg: error: majora v2 has no model card (register with --card FILE)\n"
    lineage = json.loads(cli("lineage", "majora@latest", "--json").out)
    assert lineage["version"] == "v2" and lineage["ancestors"] == ["v1"]
    assert json.loads(cli("lineage", "majora@production", "--json").out)["descendants"] == ["v2"]
    assert set(json.loads(cli("lineage", "majora", "--json").out)["versions"]) == {"v1", "v2"}  # MODEL: all
