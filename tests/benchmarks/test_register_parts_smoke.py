"""benchmarks/register_parts.py runs end to end at its smallest size (no timings asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "register_parts.py"


def test_register_parts_smoke(tmp_path):
    out = tmp_path / "parts.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--count", "5", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    parts = json.loads(out.read_text())["register_parts"]
    assert parts["count"] == 5 and parts["total"] > 0 and parts["floor"] > 0 and parts["floor_same_bytes"] > 0
    # every named step ran (a renamed function would otherwise be silently left out)
    assert all(n >= 5 for n in parts["calls"].values()), parts["calls"]
    assert "ModelRegistry.register_model" in proc.stdout
