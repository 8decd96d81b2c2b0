"""Query typos are named, not answered in silence (issue 24): through the CLI as typed."""
from __future__ import annotations

import json

import pytest

from tests.features.query.sample import build_sample


@pytest.fixture
def sampled(reg, gitreg_proc):
    build_sample(reg)
    reg.add_tags("majora", "v3", "lora_r=16")  # as the MLflow store writes a key=value tag
    return gitreg_proc  # a separate process: warnings reach stderr as a user sees them


@pytest.mark.parametrize("args, named", [
    (["search", "acuracy > 0.5"], "'acuracy' (did you mean 'accuracy'?)"),
    (["search", "eval_los < 1"], "'eval_los' (did you mean 'eval_loss'?)"),
    (["search", "eval_los < 1", "--model", "oracle"], "of 'oracle' has a metric named 'eval_los'"),
    (["search", "accuracy > 0.5", "--sort", "nosuchkey"], "'nosuchkey'"),
])
def test_a_name_no_version_has_is_a_warning_with_a_did_you_mean(sampled, args, named):
    r = sampled(*args)
    assert r.code == 0
    warnings = [line for line in r.err.splitlines() if line.startswith("gitreg: warning: no version")]
    assert len(warnings) == 1 and named in warnings[0], r.err


def test_known_names_warn_about_nothing(sampled):
    r = sampled("search", "mmlu/acc > 0.9 or eval_loss < 0.1", "--sort", "perplexity")
    assert (r.code, r.out, r.err) == (0, "No versions match.\n", "")


def test_best_refuses_max_and_min_together(sampled):
    r = sampled("best", "majora", "--max", "--min")
    assert r.code == 1 and r.err == "gitreg: error: --max and --min contradict each other: give one of them\n"
    assert "v2b" in sampled("best", "majora", "--by", "accuracy", "--min").out


def test_mlflow_style_key_value_tags_work_unquoted(sampled):
    for query in ("tag:lora_r=16", 'tag:"lora_r=16"', "tag:lora_r==16 and accuracy > 0.5"):
        r = sampled("search", query, "--json")
        assert r.code == 0 and r.err == "", (query, r.err)
        assert [(d["model_name"], d["version"]) for d in json.loads(r.out)] == [("majora", "v3")], query
    spaced = sampled("search", "tag:lora_r = 16")  # a metric named 'tag:lora_r': shown the tag's form
    assert spaced.code == 0 and "tag:lora_r=VALUE" in spaced.err and 'tag:"lora_r=VALUE"' in spaced.err


def test_search_help_prints_the_grammar_not_a_file_pip_does_not_install(capsys):
    from gitreg.clients.cli.main import main
    from gitreg.features.query.fields import FIELDS

    for command in (["search"], ["versions"], ["best"]):
        assert main([*command, "--help"]) == 0
        text = capsys.readouterr().out
        assert "docs/" not in text, command
    main(["search", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Grammar" in text and "tag:lora_r=16" in text
    assert all(f" {name} " in f" {text.replace('.', ' ')} " for name in FIELDS)
