"""benchmarks/mlflow_call_segments.py runs end to end on speed_bench.py's smallest MLflow fixtures
(tests/benchmarks/conftest.py; a smoke test: no timings asserted), every segment in every round."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_segments_run(speed_workdir):
    registry = speed_workdir / "mlflow-gitreg-20.git"
    model = subprocess.run(["git", "--git-dir", str(registry), "for-each-ref", "--count=1",
                            "--format=%(refname:lstrip=2)", "refs/heads/"],
                           check=True, capture_output=True, text=True).stdout.strip()
    proc = subprocess.run([sys.executable, str(HERE / "mlflow_call_segments.py"),
                           f"sqlite:///{speed_workdir / 'tracking.db'}", f"gitreg://{registry}", model, "2"],
                          capture_output=True, text=True, timeout=600, cwd=speed_workdir)
    assert proc.returncode == 0, proc.stderr
    first, again = proc.stdout.splitlines()
    assert first.startswith("first store ")
    assert all(f"{s} " in first for s in ("Listing", "order", "records", "entities"))
    assert again.startswith("again Listing ") and "entities" in again
