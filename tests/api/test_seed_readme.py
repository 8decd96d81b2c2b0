"""Seed compatibility as a test: every Python snippet of the JSON registry's README
(shared/reference/json-registry-README.md, copied as fixtures/ beside this test) runs against
gitreg with only the import line changed.

The snippets are cells read top to bottom in one namespace, as a user would paste them.
Where the README leaves something to the reader, the test supplies exactly that and says
so below: the reader's own functions (run_training, evaluate_model, get_git_commit), the
`...` placeholder for "the other arguments", a second version for the comparison shown
before v2 is registered, and v3 for the ancestors example.
"""
from __future__ import annotations

import re
import subprocess
import textwrap
import warnings
from pathlib import Path

from gitreg import ModelRegistry
from gitreg.core.records import VersionStatus

README = Path(__file__).with_name("fixtures") / "json-registry-README.md"


def cells() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return [textwrap.dedent(b).replace("from afs.registry import", "from gitreg import") for b in blocks]


def run(cell: str, ns: dict, rest: dict | None = None) -> None:
    """Run one cell; a `...` argument (the README's "other arguments") becomes **rest."""
    code = re.sub(r"(?<=[(,\s])\.\.\.(?=[,)\s])", "**_rest", cell)
    ns["_rest"] = rest or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the README's /path/to/... files do not exist here
        exec(compile(code, str(README), "exec"), ns)


def _find(all_cells: list[str], first_code: str) -> int:
    found = [i for i, c in enumerate(all_cells) if first_code in c]
    assert len(found) == 1, f"README cell with {first_code!r}: {found}"
    return found[0]


def test_every_snippet_of_the_seed_readme_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITREG_REGISTRY", str(tmp_path / "registry.git"))
    work = tmp_path / "training-code"  # Best practice 1 runs `git rev-parse HEAD` where it stands
    work.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "train"], cwd=work, check=True)
    monkeypatch.chdir(work)

    all_cells = cells()
    compare = _find(all_cells, "compare_versions(")
    lineage = _find(all_cells, "tracker.add_version(\n    model_name=\"majora\",\n    version=\"v1\"")
    custom_paths = _find(all_cells, 'ModelRegistry("/custom/path/registry.json")')
    git_commit_cell = _find(all_cells, "git_hash = subprocess")
    evaluate = _find(all_cells, "evaluate_model(model_path)")
    pipeline = _find(all_cells, "def train_model(")

    ns: dict = {
        # the reader's own pipeline, which the README calls but does not define
        "evaluate_model": lambda path: {"accuracy": 0.9, "bleu": 31.5},
        "model_path": "/models/majora-v1-lora",
        "run_training": lambda config: ("/models/pipeline-lora", {"accuracy": 0.8}),
        "get_git_commit": lambda: "0123abcd",
    }
    ran = []
    for i, cell in enumerate(all_cells):
        if i == compare:  # shown before v2 exists: run against a registry that has both
            other = ModelRegistry(tmp_path / "two.git")
            other.register_model("majora", evaluation_scores={"accuracy": 0.85, "f1_score": 0.82})
            other.register_model("majora", evaluation_scores={"accuracy": 0.87, "f1_score": 0.84})
            run(cell, {**ns, "registry": other})
            assert "accuracy: v1=0.85, v2=0.87" in capsys.readouterr().out
        elif i == lineage:  # the seed's lineage.json is a store of its own: a fresh default registry
            monkeypatch.setenv("GITREG_REGISTRY", str(tmp_path / "lineage.git"))
            head, marker, tail = cell.partition("# Get ancestors")
            run(head, ns)
            ns["tracker"].add_version("majora", "v3", parent_version="v2", training_data=["more"])
            run(marker + tail, ns)
            out = capsys.readouterr().out
            assert "v3 comes from: ['v2', 'v1']" in out and "v1: ['oracle', 'toolbench']" in out
            monkeypatch.setenv("GITREG_REGISTRY", str(tmp_path / "registry.git"))
        elif i == custom_paths:  # an alternative set-up, not a step: its own namespace, nothing written
            run(cell, dict(ns))
            assert not Path("/custom/path").exists()
        elif i == git_commit_cell:
            run(cell, ns, {"model_name": "majora"})
        else:
            run(cell, ns)
        ran.append(i)
        if "registry.rollback(\"majora\", \"v2\")" in cell:  # the seed's meaning of rollback
            out = capsys.readouterr().out
            assert "Current deployment: v2 (deployed: True)" in out
            registry = ns["registry"]
            assert registry.deployments("majora") == {"production": "v2"}
            assert registry.get_version("majora", "v1").status is VersionStatus.DEPRECATED

    assert ran == list(range(len(all_cells))) and len(ran) >= 19
    assert evaluate in ran and pipeline in ran
    registry = ModelRegistry()
    assert registry.get_version("majora", "v1").evaluation_scores.accuracy == 0.9  # evaluate_model's
    assert registry.get_version("majora", "v1").evaluation_scores.custom_metrics["custom_metric_1"] == 0.95
    assert registry.get_version("majora", "v1.1.0").version == "v1.1.0"
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert any(v.git_commit == head for v in registry.list_versions("majora"))

    version = ns["train_model"]("pipeline", {"base_model": "Qwen2.5-Coder-7B", "num_samples": 10,
                                             "num_epochs": 2.5, "framework": "unsloth",
                                             "datasets": ["oracle"]})
    got = registry.get_version("pipeline", version.version)
    assert got.training.epochs == 2.5 and got.git_commit == "0123abcd"
    assert ns["tracker"].get_data_lineage("pipeline", version.version) == {version.version: ["oracle"]}

