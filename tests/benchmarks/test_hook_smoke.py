"""benchmarks/hook_bench.py runs end to end at a small size (a smoke test: no timings are asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "hook_bench.py"


def test_hook_benchmark_smoke(tmp_path):
    out = tmp_path / "hook.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--sizes", "100", "--repeat", "1",
                           "--workdir", str(tmp_path / "work"), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(out.read_text())
    assert row["versions"] == 100 and row["judge_new_version_per_ref_s"] > 0 and row["push_ratio"] > 0
    assert "| 100 |" in proc.stdout
