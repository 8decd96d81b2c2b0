"""MLflow fixtures: one SQLite tracking database for the session (MLflow creates and
migrates its tables in ~10 s: paid once, shared by the client and the server tests)."""
from __future__ import annotations

import os

import pytest

# Network only on loopback: MLflow's usage telemetry off, in the tests and the servers they start.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

import mlflow  # noqa: E402,F401  (in the test extra: a missing one fails here, naming it; never skipped)


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory) -> str:
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow-tracking') / 'mlflow.db'}"
    mlflow.MlflowClient(tracking_uri=uri).search_experiments()  # creates the tables once
    return uri


@pytest.fixture
def model_dir(tmp_path):
    """An MLflow-style model directory with weights."""
    path = tmp_path / "model"
    path.mkdir()
    (path / "MLmodel").write_text("flavors: {}\n")
    (path / "model.safetensors").write_bytes(b"weights-" * 64)
    return path


@pytest.fixture(autouse=True)
def _tracking_in_tmp(monkeypatch, tracking_uri):
    """Whatever MLflow opens without an explicit tracking URI uses the test database,
    never a ./mlflow.db in the working directory."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
