"""benchmarks/issue28.py runs the benchmarks it names and makes its table from what they wrote
(a smoke test: the smallest sizes; no timing is asserted). Its workdir starts with the MLflow
fixtures, built once a session (tests/benchmarks/conftest.py); the other steps build theirs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "issue28.py"


def test_issue28_table_from_the_benchmarks_own_results(tmp_path, speed_workdir):
    out = tmp_path / "issue28.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--smoke", "--only", "startup", "register", "big", "mlflow",
                           "--register-runs", "2", "--workdir", str(speed_workdir), "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode in (0, 1), proc.stderr  # 1: some target not met at these sizes
    results = json.loads(out.read_text())
    targets = [row["target"] for row in results["table"]]
    assert sum("≤ 1.5× `import pygit2`" in t for t in targets) == 6
    assert sum(t.startswith("register (API)") for t in targets) == 2  # one row a run
    assert any(t.startswith("register into 10,000") for t in targets)
    assert any(t.startswith("`versions` of 20,000") for t in targets) and any("served page" in t for t in targets)
    assert sum(t.startswith("MLflow ") and "warm" in t for t in targets) == 5
    assert all(isinstance(row["met"], bool) and row["now"] for row in results["table"])
    assert len(results["register"]) == 2 and "startup" in results["startup"]
    assert proc.stdout.count("\n| ") == len(targets) + 1  # the table: a header and a line a target
    assert (proc.returncode == 0) == all(row["met"] for row in results["table"])
