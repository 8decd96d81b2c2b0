"""The hook registering what real tools write: lm-eval results, HF Trainer outputs, 2e-5 in YAML."""
from __future__ import annotations

from pathlib import Path

from gitreg.clients.training import hook

FIXTURES = Path(__file__).resolve().parents[2] / "features" / "ingest" / "fixtures"


def test_hook_registers_lm_eval_results_and_hf_training_args(training_repo, reg):
    training_repo.config(metrics="eval/results.json", params="outputs/training_args.json",
                         metrics_exclude=["*stderr*"], metrics_include=["mmlu/*", "gsm8k/*", "humaneval/*"])
    lm_eval = next((FIXTURES / "lm-eval").rglob("results_*.json"))
    training_repo.write("eval/results.json", lm_eval.read_text())
    training_repo.write("outputs/training_args.json", (FIXTURES / "hf-run" / "training_args.json").read_text())
    hook.install(training_repo.top)
    done = training_repo.commit("Round 1: lm-eval")
    assert done.code == 0, done.err
    lines = done.err.strip().splitlines()
    assert lines[0].startswith("gitreg: registered majora v1 (new model) from commit"), done.err
    v = reg.get_version("majora", "v1")
    assert v.evaluation_scores.custom_metrics == {
        "mmlu/acc,none": 0.4712, "gsm8k/exact_match,strict-match": 0.3351,
        "gsm8k/exact_match,flexible-extract": 0.3442, "humaneval/pass@1,create_test": 0.2866,
    }
    assert (v.training.epochs, v.training.batch_size, v.training.learning_rate) == (3, 32, 2e-05)
    log = training_repo.hook_log()
    assert "non-numeric field(s) skipped (alias" in log and "batch_size 32 = per-device batch 8" in log
    assert v.params["lr_scheduler_type"] == "linear" and v.metric_info["mmlu/acc,none"]["stderr"] == 0.0041


def test_params_yaml_with_2e_5_registers(training_repo, reg):
    training_repo.config(metrics="results/metrics.yaml", params="results/params.yaml")
    training_repo.write("results/params.yaml", "learning_rate: 2e-5\nnum_train_epochs: 2\n")
    training_repo.write("results/metrics.yaml", "eval_loss: 5e-01\nnotes: good run\n")
    hook.install(training_repo.top)
    assert training_repo.commit("Round 1").code == 0
    v = reg.get_version("majora", "v1")
    assert v.training.learning_rate == 2e-05 and v.training.epochs == 2
    assert v.evaluation_scores.custom_metrics == {"eval_loss": 0.5}


def test_metrics_format_key_is_checked(training_repo):
    import pytest

    from gitreg.clients.training import config as cfg

    with pytest.raises(cfg.TrainingConfigError, match="metrics_format must be one of"):
        cfg.parse(b"model: m\nmetrics: m.json\nmetrics_format: csv\n")
    with pytest.raises(cfg.TrainingConfigError, match="metrics_include must be a list"):
        cfg.parse(b"model: m\nmetrics: m.json\nmetrics_include: {a: 1}\n")


def test_metrics_may_name_an_lm_eval_output_directory(training_repo, reg):
    training_repo.config(metrics="eval")
    lm_eval = next((FIXTURES / "lm-eval").rglob("results_*.json"))
    training_repo.write("eval/Qwen__Qwen2.5-0.5B/results_2026-11-30T10-12-44.018113.json", lm_eval.read_text())
    hook.install(training_repo.top)
    done = training_repo.commit("Round 1: lm-eval into a directory")
    assert done.code == 0 and "registered majora v1" in done.err, done.err
    assert reg.get_version("majora", "v1").evaluation_scores.custom_metrics["mmlu/acc,none"] == 0.4712
