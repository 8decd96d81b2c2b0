"""benchmarks/suite_bench.py runs end to end on a tiny generated suite, serially and with -n 2
(a smoke test: no timings asserted; the pass counts it parses are)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "suite_bench.py"


def test_suite_bench_smoke(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_tiny.py").write_text("import pytest\n\n@pytest.mark.parametrize('n', range(3))\n"
                                        "def test_n(n):\n    assert n < 3\n\ndef test_fails():\n    assert False\n")
    out = tmp_path / "results.json"
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    proc = subprocess.run([sys.executable, str(BENCH), "--workers", "0,2", "--repeat", "1", "--out", str(out),
                           "--log", str(tmp_path / "log"), "--pytest-arg=--rootdir", f"--pytest-arg={suite}",
                           str(suite)], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # one test fails on purpose
    results = json.loads(out.read_text())
    assert [r["workers"] for r in results["runs"]] == ["0", "2"]
    assert all(r["counts"] == {"passed": 3, "failed": 1} and r["wall"] > 0 for r in results["runs"])
    assert "median -n 2:" in proc.stdout
