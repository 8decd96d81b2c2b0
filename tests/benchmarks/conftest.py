"""What the benchmark smoke tests share: speed_bench.py's MLflow fixtures at 20 versions.

Building them costs ~7 s of CPU (importing MLflow, two SQLite schemas, 20 versions); three smoke
tests used to build the same ones each. They are built once a session, by speed_bench.py itself
(so its building is still run, and a failure fails every test using them), and each test gets
its own copy: the benchmarks write derived caches into the registry."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
MLFLOW_TOTAL = 20


def _session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory this session's processes share: under xdist, the parent of the workers' base
    temps (pytest-N); without it, the base temp itself (its parent outlives the session)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def _mlflow_fixtures_built(tmp_path_factory) -> Path:
    shared = _session_dir(tmp_path_factory)
    built = shared / f"speed-mlflow-{MLFLOW_TOTAL}"
    with open(shared / f"speed-mlflow-{MLFLOW_TOTAL}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds; the others wait, then copy
        if not (built / f"mlflow-{MLFLOW_TOTAL}.built").exists():
            proc = subprocess.run([sys.executable, str(BENCHMARKS / "speed_bench.py"), "mlflow", "--repeat", "0",
                                   "--mlflow-total", str(MLFLOW_TOTAL), "--workdir", str(built),
                                   "--out", str(shared / f"speed-mlflow-{MLFLOW_TOTAL}.json")],
                                  capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr
            assert (built / f"mlflow-{MLFLOW_TOTAL}.built").exists()
    return built


@pytest.fixture
def speed_workdir(_mlflow_fixtures_built, tmp_path) -> Path:
    """A speed_bench.py --workdir of this test's own, holding the MLflow fixtures of
    --mlflow-total 20 (speed_bench.py builds any other fixture it needs into it)."""
    work = tmp_path / "work"
    shutil.copytree(_mlflow_fixtures_built, work, symlinks=True)
    return work
