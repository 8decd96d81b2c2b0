"""Metrics with their meaning (issue 23): a results file written by a real `lm_eval` run (its
`dummy` model on tiny local tasks, fixtures/lm-eval-tasks/, no downloads), and the 0.4.x
shapes of fixtures/lm-eval/: direction and stderr attached, bookkeeping left out,
group / subtask / n-shot kept; `best` and `compare` use the recorded direction and say so."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.clients.cli.main import main
from gitreg.features.ingest import read_metrics, read_metrics_file

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = next((FIXTURES / "lm-eval").rglob("results_*.json"))
BPB = "tiny_ppl/bits_per_byte,none"

# `python -m lm_eval`, its own command line, with its TaskManager told to leave out the ~14,000
# built-in task files, which it otherwise indexes on every run (~10 of its ~13 s of CPU) and
# our local tasks never use (its public include_defaults=False). The results file is the
# same, but for its date and duration. lm-eval 0.4.13 (pinned) looks TaskManager up when it
# runs; a version that did not would run as before, only slower.
_LM_EVAL_LOCAL_TASKS_ONLY = (
    "import runpy\n"
    "import lm_eval.tasks\n"
    "class LocalTasksOnly(lm_eval.tasks.TaskManager):\n"
    "    def __init__(self, *args, **kwargs):\n"
    "        super().__init__(*args, **{**kwargs, 'include_defaults': False})\n"
    "lm_eval.tasks.TaskManager = LocalTasksOnly\n"
    "runpy.run_module('lm_eval', run_name='__main__', alter_sys=True)\n")


@pytest.fixture(scope="module")
def lm_eval_run(tmp_path_factory) -> Path:
    """results_*.json of `lm_eval --model dummy --tasks tiny_group` run now (its local tasks only)."""
    try:
        import lm_eval  # noqa: F401
    except ImportError:
        pytest.fail("lm-eval is not installed: pip install 'lm-eval==0.4.13' (the test extra)")
    work = tmp_path_factory.mktemp("lm-eval")
    tasks = work / "tasks"
    tasks.mkdir()
    shutil.copy(FIXTURES / "lm-eval-tasks" / "data.jsonl", work / "data.jsonl")
    for template in (FIXTURES / "lm-eval-tasks").glob("*.yaml.in"):
        text = template.read_text().replace("DATA", str(work / "data.jsonl"))
        (tasks / template.name.removesuffix(".in")).write_text(text)
    env = {**os.environ, "HF_HOME": str(work / "hf"), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HOME": str(work)}
    proc = subprocess.run(
        [sys.executable, "-c", _LM_EVAL_LOCAL_TASKS_ONLY, "--model", "dummy", "--tasks", "tiny_group",
         "--include_path", str(tasks), "--output_path", str(work / "out")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return next((work / "out").rglob("results_*.json"))


def test_a_real_lm_eval_run_gives_metrics_with_meaning(lm_eval_run):
    read = read_metrics_file(lm_eval_run)
    assert read.format == "lm-eval"
    assert {"tiny_mc/acc,none", "tiny_group/acc,none", BPB, "tiny_ppl/word_perplexity,none"} <= set(read.scores)
    assert not [name for name in read.scores if "stderr" in name or "sample_len" in name]
    assert "tiny_mc/sample_len" in read.bookkeeping and "tiny_group/sample_count" in read.bookkeeping
    assert read.info[BPB] == {"source": "lm-eval", "direction": "min", "group": "tiny_group", "n_shot": 0}
    mc = read.info["tiny_mc/acc,none"]
    assert mc["direction"] == "max" and mc["group"] == "tiny_group" and mc["stderr"] > 0
    assert "group" not in read.info["tiny_group/acc,none"]  # the group itself: told apart from its subtasks


def test_shipped_04x_shape_mmlu_and_its_subtasks(tmp_path):
    read = read_metrics_file(SHIPPED)
    assert read.info["mmlu/acc,none"] == {"source": "lm-eval", "direction": "max", "stderr": 0.0041}
    assert read.info["mmlu_abstract_algebra/acc,none"]["group"] == "mmlu"
    assert read.info["gsm8k/exact_match,strict-match"]["n_shot"] == 5
    assert "stderr" not in read.info["gsm8k/exact_match,flexible-extract"]  # "N/A"
    assert not [name for name in read.scores if "_stderr" in name]


def _worse_copy(results: Path, tmp_path: Path) -> Path:
    """The same run with bits_per_byte higher (worse) and acc higher: a second version."""
    doc = json.loads(results.read_text())
    doc["results"]["tiny_ppl"]["bits_per_byte,none"] += 0.5
    doc["results"]["tiny_mc"]["acc,none"] = min(1.0, doc["results"]["tiny_mc"]["acc,none"] + 0.01)
    out = tmp_path / "results_2.json"
    out.write_text(json.dumps(doc))
    return out


def test_best_and_compare_use_the_recorded_direction(lm_eval_run, tmp_path, capsys):
    registry = tmp_path / "registry.git"
    worse = _worse_copy(lm_eval_run, tmp_path)
    for path in (lm_eval_run, worse):
        assert main(["-R", str(registry), "add", "m", "--metrics-from", str(path)]) == 0
    reg = ModelRegistry(registry)
    got, direction = reg.rank("m", by=BPB)
    assert got.version == "v1" and direction.how == "recorded" and not direction.maximize
    assert reg.best("m", by="tiny_mc/acc,none").version == "v2"
    capsys.readouterr()
    assert main(["-R", str(registry), "best", "m", "--by", BPB]) == 0
    out = capsys.readouterr().out
    assert out.startswith("m v1:") and out.rstrip().endswith("(lowest wins, recorded)")
    row = {r.key: r for r in reg.compare("m", "v1", "v2").rows}
    assert row[BPB].best == ["v1"] and row[BPB].direction == "recorded"
    acc = row["tiny_mc/acc,none"]
    assert acc.stderr["v1"] > 0.3 and acc.within_error == ["v2"]  # +0.01 against a stderr of 0.33
    assert main(["-R", str(registry), "compare", "m", "v1", "v2"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("tiny_mc/acc,none"))
    assert "± 0.3333" in line and "within error" in line


def test_recorded_direction_wins_over_the_table_and_the_name(tmp_path):
    reg = ModelRegistry(tmp_path / "registry.git")
    info = {"eval_loss": {"direction": "max"}}  # as recorded (a reward named like a loss)
    reg.register_model("m", evaluation_scores={"eval_loss": 0.2, "word_err": 3}, metric_info=info)
    reg.register_model("m", evaluation_scores={"eval_loss": 0.5, "word_err": 2}, metric_info=info)
    assert reg.rank("m", by="eval_loss")[0].version == "v2"
    assert reg.rank("m", by="eval_loss")[1].how == "recorded"
    assert reg.rank("m", by="word_err")[1].how == "name" and reg.best("m", by="word_err").version == "v2"
    assert reg.rank("m", by="word_err", maximize=True)[1].how == "given"


def test_table_direction_for_known_lm_eval_names_without_a_record(tmp_path):
    reg = ModelRegistry(tmp_path / "registry.git")
    reg.register_model("m", evaluation_scores={"wikitext/bits_per_byte,none": 0.9})
    reg.register_model("m", evaluation_scores={"wikitext/bits_per_byte,none": 0.7})
    got, direction = reg.rank("m", by="wikitext/bits_per_byte,none")
    assert got.version == "v2" and direction.how == "table"


def test_trl_and_trainer_bookkeeping_is_not_a_metric():
    data = json.dumps({"eval_loss": 0.4, "eval_num_tokens": 12345.0, "eval_gen_len": 17.2,
                       "eval_runtime": 3.2, "epoch": 1.0}).encode()
    read = read_metrics(data, "eval_results.json")
    assert read.scores == {"eval_loss": 0.4}
    assert {"eval_num_tokens", "eval_gen_len", "eval_runtime"} <= set(read.bookkeeping)
    assert read.info == {"eval_loss": {"source": "hf-trainer"}}


def test_a_trainer_state_without_evaluations_gives_train_loss():
    state = {"log_history": [{"loss": 2.1, "step": 10, "epoch": 0.5},
                             {"train_loss": 1.7, "train_runtime": 60.0, "step": 20, "epoch": 1.0}],
             "global_step": 20}
    read = read_metrics(json.dumps(state).encode(), "trainer_state.json")
    assert read.scores == {"train_loss": 1.7} and "train_runtime" in read.bookkeeping
