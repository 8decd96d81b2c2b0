"""The training examples run as shipped: examples/training_repo/demo.sh and examples/pipeline.py."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_training_repo_demo(tmp_path, git, fsck):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "gitreg"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gitreg "$@"\n')
    launcher.chmod(0o755)
    default = Path(os.environ["GITREG_REGISTRY"])
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHON": sys.executable,
           "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(ROOT / "examples" / "training_repo" / "demo.sh")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (work,) = tmp_path.glob("gitreg-training-demo.*")
    registry, repo = work / "registry.git", work / "training_repo"
    shas = subprocess.run(["git", "log", "--format=%H %s"], cwd=repo, capture_output=True, text=True).stdout
    commits = [line.split(" ", 1) for line in shas.splitlines()]  # newest first: round 2, round 1, code
    assert [s for _, s in commits][2] == "Training code: logistic regression in pure Python"
    assert git(registry, "tag", "--list").split() == ["demo-logreg/v1", "demo-logreg/v2"]
    v1 = yaml.safe_load(git(registry, "show", "demo-logreg/v1:manifest.yaml"))
    v2 = yaml.safe_load(git(registry, "show", "demo-logreg/v2:manifest.yaml"))
    assert (v1["git_commit"], v2["git_commit"]) == (commits[1][0], commits[0][0])
    assert v2["parent_version"] == "demo-logreg:v1" and v2["training"]["epochs"] == 30
    assert 0.5 < v2["evaluation_scores"]["accuracy"] <= 1
    assert v2["evaluation_scores"]["custom_metrics"]["log_loss"] < v1["evaluation_scores"]["custom_metrics"]["log_loss"]
    assert f"gitreg: registered demo-logreg v2 from commit {commits[0][0][:12]}, from v1" in proc.stderr
    assert "v2         ← v1" in proc.stdout  # gitreg lineage
    assert not default.exists()  # never the user's default registry
    assert fsck(registry) == []


def test_pipeline_example(tmp_path):
    default = Path(os.environ["GITREG_REGISTRY"])
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "pipeline.py")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "ancestors of v3 ['v2', 'v1']" in proc.stdout
    assert "descendants of v1 ['v2', 'v3']" in proc.stdout
    assert "'v2': ['oracle', 'toolbench', 'additional-data']" in proc.stdout
    assert "majora version tree:" in proc.stdout
    registry = Path(proc.stdout.strip().splitlines()[-1].removeprefix("registry: "))
    assert registry.parent.parent == tmp_path and registry.exists()
    assert not default.exists()
    explicit = tmp_path / "explicit.git"
    again = subprocess.run([sys.executable, str(ROOT / "examples" / "pipeline.py"), "--registry", str(explicit)],
                           capture_output=True, text=True, env=env)
    assert again.returncode == 0 and explicit.exists()
