"""benchmarks/supply_bench.py runs end to end at its smallest size (a smoke test: no timings asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "supply_bench.py"


def test_supply_bench_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--sparse-gb", "0.01", "--oci-mb", "1", "--repeat", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert results["sign --oms, 0.01 GB version"] > 0 and results["export oci, 1 MiB, fresh registry"] > 0
    assert results["bytes read while signing the 0.01 GB version"] < 1 << 20  # the file's bytes are not read
    assert "export oci / skopeo copy:" in proc.stdout
