"""benchmarks/register_pairs.py runs end to end at its smallest size, with this tree as its own
baseline (no timings asserted: every pair ran and gave a ratio)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "register_pairs.py"


def test_register_pairs_smoke(tmp_path):
    out = tmp_path / "pairs.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--rounds", "1", "--count", "3", "--floor-same-bytes",
                           "--baseline", str(SCRIPT.parents[1]), "--workdir", str(tmp_path), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    pairs = json.loads(out.read_text())["register_pairs"]
    assert set(pairs["ratios"]) == {"this / baseline", "this / floor", "this / floor (same bytes)",
                                    "baseline / floor", "baseline / floor (same bytes)"}
    assert all(r > 0 for r in pairs["ratios"].values())
    assert all(len(runs) == 1 and min(runs[0]) > 0 for runs in pairs["runs"].values())
    assert set(pairs["user_system_ms"]) == {"this", "baseline", "floor", "floor (same bytes)"}
    # (each part alone may read 0 at the clock's tick for 3 registrations; their sum is the run above)
    assert all(user >= 0 and system >= 0 for user, system in pairs["user_system_ms"].values())
    assert list(tmp_path.iterdir()) == [out]  # its scratch registries are removed
    assert "this / floor" in proc.stdout
