from __future__ import annotations

import json

import pytest


@pytest.fixture
def populated(cli):
    cli("add", "majora", "--accuracy", "0.85", "--f1-score", "0.82", "--samples", "223",
        "-d", "oracle")
    cli("add", "majora", "--parent", "v1", "--accuracy", "0.87", "--perplexity", "2.5",
        "-m", "loss=0.3", "-d", "extra")
    cli("add", "majora", "v2b", "--parent", "v1", "--tag", "experimental")
    cli("add", "majora", "--parent", "v2")
    cli("add", "oracle", "--parent", "majora:v3", "--accuracy", "0.82")
    cli("deploy", "majora", "v1")
    return cli


def test_list_uses_the_seed_layout(populated):
    r = populated("list")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[:2] == ["Registered Models:", "=" * 60]
    assert "majora" in lines and "oracle" in lines
    assert "  Versions: 4 (1 deployed)" in lines
    assert "  ● v1       (deployed  ) acc=0.850 [production]" in lines
    assert "  ○ v2       (completed ) acc=0.870" in lines
    assert "\x1b[" not in r.out  # not a terminal: no colour codes


def test_list_json_is_one_stable_document(populated):
    data = json.loads(populated("list", "--json").out)
    models = {m["model_name"]: m for m in data["models"]}
    assert [v["version"] for v in models["majora"]["versions"]] == ["v1", "v2", "v2b", "v3"]
    assert models["majora"]["versions"][0]["deployed"] is True
    assert models["oracle"]["versions"][0]["parent_version"] == "majora:v3"


def test_list_of_missing_registry_is_empty_and_creates_nothing(cli, registry_path):
    r = cli("list")
    assert r.code == 0 and "No models registered" in r.out
    assert json.loads(cli("list", "--json").out)["models"] == []
    assert not registry_path.exists()


def test_info_and_versions(populated):
    info = json.loads(populated("info", "majora", "--json").out)
    assert info["latest"] == "v3"
    assert info["deployments"] == {"production": "v1"}
    text = populated("info", "majora").out
    assert "Deployed in production: v1" in text and "v2b" in text
    versions = json.loads(populated("versions", "majora", "--json").out)
    assert [v["version"] for v in versions] == ["v1", "v2", "v2b", "v3"]
    table = populated("versions", "majora").out
    assert "experimental" in table and "production" in table


def test_show(populated):
    record = json.loads(populated("show", "majora", "v2", "--json").out)
    assert record["parent_version"] == "v1"
    assert record["evaluation_scores"]["custom_metrics"] == {"loss": 0.3}
    text = populated("show", "majora", "v2").out
    assert "score.accuracy" in text and "0.87" in text and "extra" in text


def test_compare_table_and_json(populated):
    diff = json.loads(populated("compare", "majora", "v1", "v2", "--json").out)
    assert diff["diff"]["accuracy"] == {"v1": 0.85, "v2": 0.87}
    assert diff["diff"]["loss"] == {"v1": None, "v2": 0.3}
    table = populated("compare", "majora", "v1", "v2").out
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    assert "+0.02" in rows["accuracy"] and rows["accuracy"].rstrip().endswith("v2 (table)")


def test_tree_draws_branches_from_parentage(populated):
    r = populated("tree", "majora")
    assert r.out == (
        "majora version tree:\n"
        "└── v1 [production]\n"
        "    ├── v2\n"
        "    │   └── v3\n"
        "    └── v2b\n"
    )
    tree = json.loads(populated("tree", "oracle", "--json").out)
    assert tree["parents"] == {"v1": "majora:v3"}


def test_lineage(populated):
    data = json.loads(populated("lineage", "oracle", "v1", "--json").out)
    assert data["ancestors"] == ["majora:v3", "majora:v2", "majora:v1"]
    assert data["data_lineage"]["majora:v1"] == ["oracle"]
    down = json.loads(populated("lineage", "majora", "v1", "--json").out)
    assert set(down["descendants"]) == {"v2", "v2b", "v3", "oracle:v1"}
    all_versions = json.loads(populated("lineage", "majora", "--json").out)["versions"]
    assert all_versions["v3"]["parent"] == "v2"
    assert "v3" in populated("lineage", "majora", "v3").out


def test_history(populated):
    events = json.loads(populated("history", "majora", "--json").out)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "created"
    assert kinds.count("registered") == 4
    assert kinds[-1] == "deployed"
    assert "deployed" in populated("history", "majora").out


def test_meta_show_and_update(populated):
    r = populated("meta", "majora", "--description", "Code model", "--owner", "scawful",
                  "--tag", "coder", "--tag", "qwen", "--json")
    meta = json.loads(r.out)
    assert meta["description"] == "Code model" and meta["tags"] == ["coder", "qwen"]
    assert "owner: scawful" in populated("meta", "majora").out


def test_unknown_model_and_version_are_one_line_errors(populated):
    r = populated("show", "nosuch", "v1")
    assert (r.code, r.err) == (1, "gitreg: error: no model named 'nosuch' in the registry\n")
    r = populated("show", "majora", "v9")
    assert r.code == 1 and r.err.startswith("gitreg: error: model 'majora' has no version 'v9'")
