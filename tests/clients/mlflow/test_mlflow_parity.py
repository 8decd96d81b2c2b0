"""What MLflow users and MLflow's own tests rely on (issue 24): the store's errors word it as
MLflow's SQL store does, and the documented `pip install '.[mlflow]'` runs the client snippet
with MLflow's default tracking URI."""
from __future__ import annotations

import importlib.metadata as metadata
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]


def _failure(call) -> tuple[str, str]:
    with pytest.raises(MlflowException) as err:
        call()
    return err.value.error_code, err.value.message


def test_errors_are_worded_as_mlflows_sql_store_words_them(registry_path, tracking_uri):
    ours = MlflowClient(tracking_uri=tracking_uri, registry_uri=f"gitreg://{registry_path}")
    theirs = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)  # MLflow's SQL store
    name = f"m{uuid.uuid4().hex[:8]}"  # the SQL database is shared by the session
    for client in (ours, theirs):
        client.create_registered_model(name)
        client.create_model_version(name, source="s3://bucket/m", await_creation_for=0)
    calls = {
        "model not found": lambda c: c.get_registered_model(f"{name}-nosuch"),
        "already exists": lambda c: c.create_registered_model(name),
        "version not found": lambda c: c.get_model_version(name, "7"),
        "alias not found": lambda c: c.get_model_version_by_alias(name, "nosuch"),
    }
    for what, call in calls.items():
        assert _failure(lambda: call(ours)) == _failure(lambda: call(theirs)), what


def _closure(names: set[str]) -> set[str]:
    """Every distribution these need to run (installed ones, markers as on this machine)."""
    seen: set[str] = set()
    todo = [re.sub(r"[-_.]+", "-", n).lower() for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(re.sub(r"[-_.]+", "-", req.name).lower())
    return seen


def _mlflow_extra() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"^mlflow = \[(.*?)^\]", text, re.S | re.M).group(1)
    return {Requirement(r).name for r in re.findall(r'^\s*"([^"]+)"', block, re.M)}


def _doc_snippet() -> str:
    text = (ROOT / "docs" / "mlflow.md").read_text()
    return next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "MlflowClient()" in b)


def test_the_documented_snippet_runs_with_only_what_the_mlflow_extra_installs(tmp_path, tracking_uri, git):
    """The test machine has the full mlflow; the documented install has mlflow-skinny plus the
    extra. Every module the full mlflow brings beyond that is made unimportable in the child
    (as if not installed), and the snippet from docs/mlflow.md runs there, verbatim but for
    its paths, with MLflow's default tracking URI (sqlite:///mlflow.db in the working directory)."""
    extra = _closure(_mlflow_extra())
    missing = _closure({"mlflow"}) - extra
    by_dist: dict[str, list[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for d in dists:
            by_dist.setdefault(re.sub(r"[-_.]+", "-", d).lower(), []).append(module)
    hidden = sorted({m for d in missing for m in by_dist.get(d, [])} - {"mlflow"})
    assert "flask" in hidden and "mlflow" not in hidden  # the full mlflow's server is not there
    weights = tmp_path / "models" / "majora-v3"
    weights.mkdir(parents=True)
    (weights / "model.safetensors").write_bytes(b"w" * 100)
    snippet = _doc_snippet().replace("/srv/registry.git", str(tmp_path / "registry.git")) \
        .replace("/models/majora-v3", str(weights))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(tracking_uri.removeprefix("sqlite:///"), work / "mlflow.db")  # migrated once per session
    prelude = f"import sys\nfor m in {hidden!r}:\n    sys.modules[m] = None\n"
    env = {k: v for k, v in __import__("os").environ.items() if k != "MLFLOW_TRACKING_URI"}
    proc = subprocess.run([sys.executable, "-c", prelude + snippet], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    downloaded = Path(proc.stdout.strip().splitlines()[-1])
    assert (downloaded / "model.safetensors").read_bytes() == b"w" * 100
    assert git(tmp_path / "registry.git", "show", "refs/deployed/champion/majora:deployment.yaml")
