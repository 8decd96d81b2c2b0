"""search, best, versions --where/--sort and compare of many versions through the CLI."""
from __future__ import annotations

import json

import pytest

from tests.features.query.sample import build_sample


@pytest.fixture
def sampled(cli, reg):
    build_sample(reg)
    return cli


def test_search_table_names_the_columns_the_query_uses(sampled):
    r = sampled("search", "accuracy > 0.85 and framework = unsloth", "--sort", "accuracy")
    assert r.code == 0 and r.err == ""
    lines = r.out.splitlines()
    header = lines[0].split()
    assert [h for h in header if h.isalnum() or "_" in h] == ["Model", "Version", "Status", "Created",
                                                              "accuracy", "framework", "Deployed"]
    rows = [line.split() for line in lines[2:]]
    assert [row[2] for row in rows] == ["v3", "v2", "v1"]  # best accuracy first
    assert "staging" in lines[2] and "\x1b[" not in r.out


def test_search_json_is_a_list_of_records(sampled):
    data = json.loads(sampled("search", "tag:stable", "--json").out)
    assert [(d["model_name"], d["version"]) for d in data] == [("majora", "v1"), ("majora", "v10"), ("oracle", "v1")]
    assert set(data[0]) >= {"model_name", "version", "status", "evaluation_scores", "training", "tags"}
    limited = json.loads(sampled("search", "", "--model", "majora", "--sort", "created:desc", "--limit", "2",
                                 "--json").out)
    assert [d["version"] for d in limited] == ["v10", "v3"]
    assert sampled("search", "accuracy > 5").out == "No versions match.\n"
    assert json.loads(sampled("search", "accuracy > 5", "--json").out) == []


@pytest.mark.parametrize("args, message", [
    (["search", "accuracy >"], "gitreg: error: expected a value after '>' at 10\n"),
    (["search", "accuracy > 0.5 and (tag:x"],
     "gitreg: error: expected ')' to close the '(' at 20, found the end of the query at 26\n"),
    (["versions", "majora", "--where", "created > soon"],
     "gitreg: error: created is a date: expected an ISO date like 2026-01-31 after '>', got 'soon' at 9\n"),
    (["search", "", "--model", "nosuch"], "gitreg: error: no model named 'nosuch' in the registry\n"),
    (["best", "majora", "--by", "bleu"], "gitreg: error: no version of 'majora' has a value for bleu\n"),
])
def test_bad_queries_are_one_line_on_stderr(sampled, args, message):
    r = sampled(*args)
    assert (r.code, r.out, r.err) == (1, "", message)


def test_versions_where_and_sort(sampled):
    data = json.loads(sampled("versions", "majora", "--where", "cost_usd <= 1", "--sort", "cost_usd", "--json").out)
    assert [d["version"] for d in data] == ["v2", "v2b"]
    table = sampled("versions", "majora", "--sort", "accuracy").out
    order = [line.split()[0] for line in table.splitlines()[2:] if line.startswith("v")]
    assert order == ["v3", "v2", "v10", "v1", "v2b"]


def test_best(sampled):
    assert sampled("best", "majora").out == "majora v3: accuracy = 0.91 (highest wins, table)\n"
    assert sampled("best", "majora", "--by", "cost_usd").out == "majora v2: cost_usd = 0.9 (lowest wins, table)\n"
    assert sampled("best", "majora", "--by", "cost_usd", "--max").out == \
        "majora v1: cost_usd = 2.5 (highest wins, given)\n"
    doc = json.loads(sampled("best", "majora", "--by", "eval_loss", "--where", "not tag:production", "--json").out)
    assert {k: doc[k] for k in ("model_name", "by", "direction", "value", "version")} == {
        "model_name": "majora", "by": "eval_loss", "direction": "min", "value": 1.2, "version": "v2b"}
    assert doc["record"]["version"] == "v2b"


def test_compare_many_versions_marks_the_best_and_deltas(sampled):
    r = sampled("compare", "majora", "v1", "v2", "v3")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0] == "majora: v1 vs v2 vs v3"
    assert lines[1].split()[::2] == ["Key", "v1", "v2", "v3", "Best"]
    rows = {line.split()[0]: line for line in lines[3:]}
    assert "0.91 (+0.05) *" in rows["accuracy"] and rows["accuracy"].rstrip().endswith("v3 (table)")
    assert "0.9 (-1.6) *" in rows["cost_usd"]
    assert "framework" in rows
    only = sampled("compare", "majora", "v1", "v2", "v3", "--only-diff").out
    assert "framework" not in only and "accuracy" in only
    doc = json.loads(sampled("compare", "majora", "v1", "v2", "v3", "--only-diff", "--json").out)
    assert doc["versions"] == ["v1", "v2", "v3"] and "framework" not in doc["diff"]
    assert doc["rows"][0]["key"] == "accuracy" and doc["rows"][0]["best"] == ["v3"]
    bad = sampled("compare", "majora", "v1")
    assert bad.code == 2 and "two or more versions" in bad.err


def test_registry_text_in_results_is_shown_as_text(sampled, reg):
    reg.add_tags("majora", "v1", "[bold]x[/bold]\x1b[31m")
    out = sampled("search", "tag ~ '*bold*'", "--sort", "tag").out
    assert "[bold]x[/bold]\\x1b[31m" in out and "\x1b" not in out
