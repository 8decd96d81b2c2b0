"""`speed_bench.py stacks` (import cost of CLI stacks, `gitreg --help`) runs end to end (no timings asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "speed_bench.py"


def test_stacks_bench_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "stacks", "--repeat", "1", "--workdir", str(tmp_path / "w"),
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    stacks = json.loads(out.read_text())["stacks"]
    assert {"python", "import argparse", "import pygit2", "import gitreg.clients.cli.framework",
            "gitreg --help"} <= set(stacks) and all(v > 0 for v in stacks.values())
    assert "gitreg --help:" in proc.stdout
