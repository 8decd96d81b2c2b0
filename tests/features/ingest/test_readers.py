"""Readers of real-shaped training outputs (fixtures/ hold lm-eval and HF Trainer files)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitreg.core import yamlio
from gitreg.core.errors import InvalidValueError
from gitreg.core.values import split_scores
from gitreg.features.ingest import read_metrics, read_metrics_file, read_params, read_params_file

FIXTURES = Path(__file__).parent / "fixtures"
LM_EVAL = next((FIXTURES / "lm-eval").rglob("results_*.json"))
HF = FIXTURES / "hf-run"


def test_yaml_numbers_are_read_as_yaml_1_2_in_user_files():
    doc = yamlio.load_user(b"learning_rate: 2e-5\nlr2: 5e-05\nn: 010\nt: 1:30\nbig: 1_000\nyes_: yes\n", "p.yaml")
    assert doc == {"learning_rate": 2e-05, "lr2": 5e-05, "n": 10, "t": "1:30", "big": "1_000", "yes_": True}
    assert yamlio.load(b"lr: 2e-5", "registry object") == {"lr": "2e-5"}  # registry objects: as written


def test_lm_eval_results_are_flattened_task_slash_metric_with_one_note():
    read = read_metrics_file(LM_EVAL)
    assert read.format == "lm-eval"
    assert read.scores["mmlu/acc,none"] == 0.4712
    assert read.scores["gsm8k/exact_match,strict-match"] == 0.3351
    assert read.scores["humaneval/pass@1,create_test"] == 0.2866
    assert "mmlu_abstract_algebra/acc,none" in read.scores
    assert "gsm8k/exact_match_stderr,flexible-extract" not in read.scores  # a stderr ("N/A"): not a metric
    note = read.note()
    assert note.count("\n") == 0 and "alias x4" in note
    assert split_scores(read.scores)["custom_metrics"]["mmlu/acc,none"] == 0.4712


def test_lm_eval_directory_picks_the_newest_results_file(tmp_path):
    out = tmp_path / "eval" / "model"
    out.mkdir(parents=True)
    doc = json.loads(LM_EVAL.read_text())
    (out / "results_2026-01-01T00-00-00.json").write_text(json.dumps(doc))
    doc["results"]["mmlu"]["acc,none"] = 0.5
    (out / "results_2026-02-01T00-00-00.json").write_text(json.dumps(doc))
    assert read_metrics_file(tmp_path / "eval").scores["mmlu/acc,none"] == 0.5


def test_include_and_exclude_globs():
    read = read_metrics_file(LM_EVAL, include=["mmlu*", "gsm8k/*"], exclude=["*strict*"])
    assert sorted(read.scores) == ["gsm8k/exact_match,flexible-extract",
                                   "mmlu/acc,none", "mmlu_abstract_algebra/acc,none"]
    assert "humaneval/pass@1,create_test" in read.excluded


def test_hf_all_results_and_eval_results_keep_metrics_not_bookkeeping():
    read = read_metrics_file(HF / "all_results.json")
    assert read.format == "hf-trainer"
    assert read.scores == {"eval_accuracy": 0.8412, "eval_loss": 0.4127, "perplexity": 1.5109, "train_loss": 0.5218}
    assert "eval_runtime" in read.bookkeeping and "epoch" in read.bookkeeping
    assert read_metrics_file(HF / "eval_results.json").scores == {"eval_accuracy": 0.8412, "eval_loss": 0.4127}


def test_hf_trainer_state_gives_last_and_best_eval():
    read = read_metrics_file(HF / "trainer_state.json")
    assert read.scores == {"eval_accuracy": 0.8412, "eval_loss": 0.4127,
                           "best/eval_accuracy": 0.8463, "best/eval_loss": 0.3981}


def test_hf_output_directory_reads_all_results(tmp_path):
    assert read_metrics_file(HF).source.endswith("all_results.json")


def test_flat_file_skips_strings_with_one_note_and_keeps_seed_shapes():
    data = b"accuracy: 0.9\nnotes: good run\nrouge: {rouge1: 0.4}\ncustom_metrics: {pass@1: 0.3}\n" \
           b"mmlu:\n  acc,none: 0.6\nlr: 2e-5\n"
    read = read_metrics(data, "metrics.yaml")
    assert read.format == "flat"
    assert read.scores == {"accuracy": 0.9, "rouge1": 0.4, "pass@1": 0.3, "mmlu/acc,none": 0.6, "lr": 2e-05}
    assert read.skipped == ["notes"] and "notes" in read.note()


def test_format_can_be_forced_and_a_file_without_metrics_is_refused():
    with pytest.raises(InvalidValueError, match="no metrics found"):
        read_metrics(b'{"notes": "x"}', "m.json")
    with pytest.raises(InvalidValueError, match="unknown metrics format"):
        read_metrics(b'{"a": 1}', "m.json", "csv")
    assert read_metrics(LM_EVAL.read_bytes(), "x.json", "flat").scores["results/mmlu/acc,none"] == 0.4712


def test_a_fifo_is_refused_not_read(tmp_path):
    fifo = tmp_path / "metrics.json"
    os.mkfifo(fifo)
    with pytest.raises(InvalidValueError, match="not a regular file"):
        read_metrics_file(fifo)


def test_training_args_are_mapped_and_ignored_keys_said():
    read = read_params_file(HF / "training_args.json")
    assert read.params == {"learning_rate": 2e-05, "epochs": 3, "batch_size": 32}
    assert read.recorded["seed"] == 42 and read.recorded["optim"] == "adamw_torch"
    assert read.recorded["report_to"] == ["tensorboard"] and "output_dir" not in read.recorded
    assert "batch_size 32 = per-device batch 8 x gradient_accumulation_steps 4" in read.note()


def test_trainer_state_gives_epochs_batch_and_duration():
    read = read_params_file(HF / "trainer_state.json")
    assert read.params == {"epochs": 3, "duration_hours": 1.5}  # train_batch_size is not batch_size
    assert read.recorded["train_batch_size"] == 8 and "not as batch_size" in read.note()


def test_fractional_epochs_and_own_names():
    read = read_params(b"num_train_epochs: 2.5\nlearning_rate: 2e-5\nframework: unsloth\n", "p.yaml")
    assert read.params == {"learning_rate": 2e-05, "framework": "unsloth", "epochs": 2.5}
