from __future__ import annotations

import hashlib
import json

import yaml


def test_add_records_every_option(cli, registry_path, tmp_path, git):
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"gguf-bytes" * 1000)
    card = tmp_path / "card.md"
    card.write_text("# majora v1\nA model card.\n")
    r = cli(
        "add", "majora", "--base-model", "Qwen2.5-Coder-7B", "--framework", "unsloth",
        "--samples", "223", "--epochs", "3", "--batch-size", "4", "--learning-rate", "0.0002",
        "--training-data", "oracle", "-d", "toolbench", "--gguf-path", str(weights),
        "--lora-path", "s3://bucket/lora", "--accuracy", "0.85", "--f1-score", "0.82",
        "--perplexity", "2.1", "--bleu", "0.3", "--speed", "120", "--memory-mb", "8000",
        "--latency-ms", "40", "--metric", "pass_at_1=0.4", "-m", "rouge1=0.5",
        "--duration-hours", "3", "--cost-usd", "0.8", "--hardware", "M2 Max",
        "--notes", "Initial training", "--git-commit", "abc123", "--tag", "experimental",
        "--status", "completed", "--card", str(card), "--json",
    )
    assert r.code == 0, r.err
    record = json.loads(r.out)
    assert record["version"] == "v1"
    assert record["training"]["samples"] == 223
    assert record["training"]["learning_rate"] == 0.0002
    scores = record["evaluation_scores"]
    assert scores["accuracy"] == 0.85 and scores["inference_speed_tokens_per_sec"] == 120
    assert scores["custom_metrics"] == {"pass_at_1": 0.4}
    assert scores["rouge"] == {"rouge1": 0.5}
    assert record["training_data_sources"] == ["oracle", "toolbench"]
    gguf = next(f for f in record["files"] if f["role"] == "gguf")
    assert gguf["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert gguf["size_bytes"] == weights.stat().st_size
    manifest = yaml.safe_load(git(registry_path, "show", "majora/v1:manifest.yaml"))
    assert manifest["lora_path"] == "s3://bucket/lora"
    assert manifest["tags"] == ["experimental"]
    assert git(registry_path, "show", "majora/v1:README.md") == card.read_text()


def test_quiet_prints_only_the_version_and_auto_increments(cli):
    assert cli("add", "majora", "-q").out == "v1\n"
    assert cli("add", "majora", "-q").out == "v2\n"
    assert cli("add", "majora", "v10", "-q").out == "v10\n"
    assert cli("register", "majora", "-q").out == "v11\n"


def test_parent_option_sets_lineage(cli, registry_path, git):
    cli("add", "majora")
    r = cli("add", "majora", "--parent", "v1")
    assert r.code == 0
    assert "from v1" in r.out
    subjects = git(registry_path, "log", "--first-parent", "--format=%s", "majora/v2").split("\n")
    assert subjects[:3] == ["register majora v2", "register majora v1", "create model majora"]


def test_missing_artifact_path_warns_in_one_line_and_registers(cli):
    cli("init")
    r = cli("add", "majora", "--lora-path", "/does/not/exist")
    assert r.code == 0
    assert r.err == (
        "gitreg: warning: lora path /does/not/exist does not exist here; "
        "recorded as given, without a hash, in a version that cannot be changed later\n"
    )


def test_store_of_a_missing_path_is_refused_and_nothing_written(cli, registry_path, tmp_path):
    """The user asked for the bytes to be kept: a version without them is not what was asked."""
    here = tmp_path / "adapter.bin"
    here.write_bytes(b"w")
    r = cli("add", "majora", "-f", f"lora={here}", "--gguf-path", "/does/not/exist.gguf", "--store")
    assert r.code != 0 and r.out == ""
    assert r.err == ("gitreg: error: gguf path /does/not/exist.gguf does not exist here, so its bytes cannot "
                     "be stored (--store); nothing was registered\n")
    assert not registry_path.exists()


def test_bad_metric_syntax_is_a_usage_error(cli, registry_path):
    r = cli("add", "majora", "--metric", "novalue")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "NAME=VALUE" in r.err
    r = cli("add", "majora", "--metric", "x=abc")
    assert r.code == 2 and "'abc' is not a number" in r.err
    assert not registry_path.exists()


def test_non_finite_metric_is_refused_and_nothing_written(cli, registry_path):
    r = cli("add", "majora", "--accuracy", "nan")
    assert r.code == 2  # like 'abc': a value that is not a usable number
    assert r.err.startswith("gitreg: error: Invalid value for '--accuracy': 'nan' is not a finite number")
    assert not registry_path.exists()


def test_duplicate_version_is_an_error(cli):
    assert cli("add", "majora", "v1").code == 0
    r = cli("add", "majora", "v1")
    assert r.code == 1
    assert r.err == "gitreg: error: majora v1 is already registered\n"


def test_score_and_deploy_beside_a_bad_note_write_once_and_exit_0(cli, registry_path, git):
    """The write is done: the bad note is reported, but the exit status does not tell a script
    to run the write again."""
    assert cli("add", "m").code == 0
    assert cli("add", "m").code == 0
    for version in ("v1", "v2"):
        commit = git(registry_path, "rev-parse", f"m/{version}^{{commit}}").strip()
        git(registry_path, "notes", "--ref=refs/notes/gitreg/m", "add", "-f", "-m", "status: [unclosed", commit)
    r = cli("score", "m", "v1", "--accuracy", "0.5")
    assert r.code == 0 and "gitreg: problem: refs/notes/gitreg/m: note on m/v1" in r.err
    r = cli("deploy", "m", "v2")
    assert r.code == 0 and "gitreg: problem: refs/notes/gitreg/m: note on m/v2" in r.err, r
    assert cli("versions", "m").code == 1  # a read beside the bad note still says it was incomplete
