"""benchmarks/remote_bench.py --clone-http runs end to end at a small size over a real Apache
(a smoke test: no timings asserted; the entry point it times clones what `gitreg clone` does)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "remote_bench.py"


def test_clone_http_bench_smoke(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--clone-http", "--sizes", "30", "--repeat", "1",
                           "--workdir", str(tmp_path / "work"), "--out", str(out),
                           "--baseline", str(BENCH.parents[1])],  # this very tree, as another checkout
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    measured = json.loads(out.read_text())["clone over HTTP 30"]
    for side in ("clone", "clone (entry point)", "git clone --mirror", "clone (baseline)"):
        assert measured[side] > 0 and measured[f"{side} CPU"] > 0, side
    assert measured["clone (API)"] > 0
    assert measured["expected CLI (entry point + 10 ms) / git clone --mirror"] > \
        measured["entry point / git clone --mirror"]
    assert measured["entry point says"].startswith("Cloned http://") and \
        measured["entry point says"].endswith(": 1 model, 30 versions"), measured["entry point says"]
    refs = subprocess.run(["git", f"--git-dir={tmp_path / 'work' / 'clone-http.git'}", "for-each-ref",
                           "refs/tags/", "refs/gitreg/remotes/origin/tags/"],
                          capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(refs) == 60
