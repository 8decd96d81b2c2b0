"""The benchmark runs end to end at its smallest size (a smoke test: no timings are asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--sizes", "100", "--repeat", "1", "--chain-depth", "20",
         "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    measured = results["gitreg"]["100"]
    for key in ("register_api", "register_cli", "list", "versions", "info", "show", "compare", "deploy", "rollback"):
        assert measured[key]["s"] > 0, key
    assert results["common"]["lineage"]["s"] > 0 and results["common"]["chain_depth"] == 20
    assert "| gitreg `list` |" in proc.stdout and "`gitreg --help`" in proc.stdout
    # the fixture it built is a registry gitreg and plain git both read
    fixture = tmp_path / "work" / "fixtures" / "gitreg-100.git"
    listed = subprocess.run(["git", f"--git-dir={fixture}", "tag", "-l", "model-0000/*"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert len(listed) == 100
