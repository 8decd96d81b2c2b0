"""`.gitreg.yaml`: the documented schema, its defaults, and one clear error per mistake."""
from __future__ import annotations

import subprocess
import sys

import pytest

from gitreg import GitregError
from gitreg.clients.training.config import (
    TrainingConfig,
    TrainingConfigError,
    parse,
    registry_location,
    repo_relative,
)

FULL = b"""
model: majora
registry: ../registry.git
metrics: results/metrics.json
params: results/params.yaml
files: {lora: out/adapter, gguf: out/model-Q8_0.gguf}
training_data: [oracle, toolbench]
parent: majora-base:v3
when: trailer
"""


def test_full_config_parses():
    c = parse(FULL)
    assert c == TrainingConfig(
        model="majora", registry="../registry.git", metrics="results/metrics.json",
        params="results/params.yaml", files={"lora": "out/adapter", "gguf": "out/model-Q8_0.gguf"},
        training_data=["oracle", "toolbench"], parent="majora-base:v3", when="trailer",
    )
    assert c.outputs() == ["results/metrics.json", "out/adapter", "out/model-Q8_0.gguf"]


def test_files_take_any_role_and_a_list_per_role():
    c = parse(b"model: m\nfiles: {weights: w.bin, gguf: [q4.gguf, q8.gguf], tokenizer: tok/}\n")
    assert c.file_list() == [("weights", "w.bin"), ("gguf", "q4.gguf"), ("gguf", "q8.gguf"), ("tokenizer", "tok/")]
    assert c.outputs() == ["w.bin", "q4.gguf", "q8.gguf", "tok/"]


def test_defaults():
    c = parse(b"model: majora\nmetrics: m.json\n")
    assert (c.registry, c.parent, c.when, c.files, c.training_data) == (None, "latest", "outputs-changed", {}, [])
    assert parse(b"model: m\nmetrics: m.json\nparent: none\n").parent is None
    assert parse(b"model: m\nmetrics: m.json\nparent: null\n").parent is None
    assert parse(b"model: m\nwhen: always\n").outputs() == []


@pytest.mark.parametrize("text, message", [
    (b"metrics: m.json\n", "'model' is required"),
    (b"model: bad/name\nmetrics: m.json\n", "model: "),
    (b"model: m\nmetric: m.json\n", "unknown key 'metric' (expected: model, registry, metrics"),
    (b"model: m\nfiles: {Weights: w.bin}\n", "files: invalid file role name 'Weights'"),
    (b"model: m\nfiles: {gguf: []}\n", "files.gguf is an empty list"),
    (b"model: m\nfiles: [w.bin]\n", "files must be a mapping of role to path"),
    (b"model: m\nfiles: {lora: 3}\n", "files.lora must be a path"),
    (b"model: m\nmetrics: m.json\nwhen: sometimes\n", "when must be one of outputs-changed, always, trailer"),
    (b"model: m\nmetrics: m.json\nparent: 'latest:'\n", "parent must be latest, none, a version or model:version"),
    (b"model: m\nmetrics: m.json\ntraining_data: oracle\n", "training_data must be a list of names"),
    (b"model: m\n", "when: outputs-changed needs 'metrics' or 'files' to watch"),
    (b"model: [m\n", "is not valid YAML"),
    (b"- model\n", "must be a YAML mapping"),
])
def test_each_mistake_is_named(text, message):
    with pytest.raises(TrainingConfigError) as err:
        parse(text, "train/.gitreg.yaml")
    assert message in str(err.value)
    assert str(err.value).startswith("train/.gitreg.yaml")
    assert isinstance(err.value, GitregError)


def test_registry_paths_are_relative_to_the_top_and_urls_are_kept(tmp_path):
    top = tmp_path / "repo"
    assert registry_location(parse(b"model: m\nmetrics: x\nregistry: ../r.git\n"), top) == top / "../r.git"
    assert registry_location(parse(b"model: m\nmetrics: x\n"), top) is None
    for url in ("https://github.com/lab/registry.git", "git@github.com:lab/registry.git", "ssh://h/r.git"):
        assert registry_location(parse(f"model: m\nmetrics: x\nregistry: '{url}'\n".encode()), top) == url


def test_declared_paths_inside_the_repo(tmp_path):
    assert repo_relative("./results//metrics.json", tmp_path) == "results/metrics.json"
    assert repo_relative(str(tmp_path / "out" / "adapter"), tmp_path) == "out/adapter"
    assert repo_relative("../elsewhere/w.bin", tmp_path) is None
    assert repo_relative("/somewhere/else", tmp_path) is None
    assert repo_relative("s3://bucket/w.bin", tmp_path) is None


def test_cli_reports_a_bad_config_in_one_line(training_repo):
    training_repo.write(".gitreg.yaml", "model: majora\nwhen: sometimes\nmetrics: m.json\n")
    training_repo.commit("code")
    proc = subprocess.run([sys.executable, "-m", "gitreg", "hook", "run"], cwd=training_repo.top,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == (f"gitreg: error: {training_repo.top / '.gitreg.yaml'}: when must be one of "
                           "outputs-changed, always, trailer, got 'sometimes'\n")


def test_cli_without_a_config_or_outside_a_repo(training_repo, tmp_path):
    training_repo.write("a.txt", "a")
    training_repo.commit("code")
    cmd = [sys.executable, "-m", "gitreg", "hook", "run", "--repo"]
    proc = subprocess.run([*cmd, str(training_repo.top)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"gitreg: error: no .gitreg.yaml in {training_repo.top}")
    outside = tmp_path / "plain"
    outside.mkdir()
    proc = subprocess.run([*cmd, str(outside)], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr == f"gitreg: error: {outside} is not inside a git work tree\n"
