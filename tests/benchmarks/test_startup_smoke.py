"""benchmarks/startup_bench.py runs end to end (a smoke test: no timings asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "startup_bench.py"


def test_startup_bench_smoke(tmp_path):
    out = tmp_path / "results.json"
    # --no-bytecode: nothing is compiled into the source tree by a test
    proc = subprocess.run([sys.executable, str(BENCH), "--repeat", "1", "--no-bytecode",
                           "--registry", str(tmp_path / "reads.git"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())["no_bytecode"]
    reads = ("show", "list", "versions", "info", "search")
    assert set(results["cpu_seconds"]) == {"import pygit2", "import pygit2, yaml", "import gitreg.api.registry (this)",
                                           *(f"{side} {r} (this)" for side in ("api", "cli") for r in reads)}
    assert all(v > 0 for v in results["cpu_seconds"].values())
    assert results["ratio_to_import_pygit2"]["import pygit2"] == 1.0
    assert "api show (this):" in proc.stdout
