"""mlflow_first_call.py's split (the store, the call), each side in fresh processes, alternated.

    python benchmarks/mlflow_first_call_alternated.py --workdir /tmp/mlcold4 --total 1000 --runs 5 \
        --tree . --tree /tmp/mlcold4/base --out /tmp/mlcold4/split-1000.json

Sides: gitreg:// with each tree's gitreg (the first tree on `mlflow-gitreg-<total>.git`, each other
on its own copy of it: two versions of the derived caches would rebuild each other's), and MLflow's
SQLite store (`mlflow-<total>.db`, run with the first tree on the path). The fixtures are
speed_bench.py's (`speed_bench.py mlflow --workdir DIR` builds them). Each run of a call runs every
side once, in turn order reversed every other run; medians of thread CPU ms of `the store`, `the
call` and of both with the full garbage collections inside taken out (`store + call`).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

CALLS = {  # the calls of speed_bench's MLFLOW_CALL_SOURCE, on the store, as MlflowClient makes them
    "search_model_versions(\"name='model-0003'\")": "s.search_model_versions(\"name='model-0003'\", max_results=10000)",
    "search_model_versions(first page of 100)": "s.search_model_versions(max_results=100)",
    "search_registered_models()": "s.search_registered_models(max_results=100)",
    "get_model_version('model-0000', 1)": "s.get_model_version('model-0000', 1)",
    "get_registered_model('model-0000')": "s.get_registered_model('model-0000')",
}
_CODE = ("import sys; sys.path.insert(0, sys.argv[4]); import mlflow_first_call as m; "
         "out, _ = m.main(*sys.argv[1:4]); "
         "print(out['the store'], out['the call'], out['of which full garbage collections'])")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--total", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tree", type=Path, action="append", required=True)
    ap.add_argument("--calls", type=int, default=len(CALLS), help="the first N calls only (each costs four or "
                    "more fresh MLflow processes: a smoke run takes one)")
    ap.add_argument("--warm", type=int, default=1, help="warm-up runs of each side before the measured ones "
                    "(bytecode compiled, the view index current on disk); a smoke run takes 0")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    work, here = args.workdir.resolve(), Path(__file__).resolve().parent
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "HOME": str(work / "home")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    registry = work / f"mlflow-gitreg-{args.total}.git"
    sides: list[tuple[str, Path, str]] = []
    for i, tree in enumerate(t.resolve() for t in args.tree):
        copy = registry if i == 0 else work / f"mlflow-gitreg-{args.total}-tree{i}.git"
        if not copy.exists():
            shutil.copytree(registry, copy, symlinks=True)
        sides.append((f"gitreg {tree}", tree, f"gitreg://{copy}"))
    sides.append(("sqlite", args.tree[0].resolve(), f"sqlite:///{work / f'mlflow-{args.total}.db'}"))
    tracking = f"sqlite:///{work / 'tracking.db'}"

    def run(tree: Path, uri: str, source: str) -> list[float]:
        out = subprocess.run([sys.executable, "-c", _CODE, tracking, uri, source, str(here)], check=True,
                             capture_output=True, text=True, env={**env, "PYTHONPATH": str(tree)}, cwd=work)
        return [float(x) * 1e3 for x in out.stdout.split()]

    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, source in list(CALLS.items())[:args.calls]:
        for _ in range(args.warm):
            for _, tree, uri in sides:
                run(tree, uri, source)  # warm: bytecode compiled, the view index current on disk
        runs: dict[str, list[list[float]]] = {label: [] for label, _, _ in sides}
        for i in range(args.runs):
            for label, tree, uri in (sides if i % 2 == 0 else sides[::-1]):
                runs[label].append(run(tree, uri, source))
        results[name] = {label: {"store": statistics.median(r[0] for r in got),
                                 "call": statistics.median(r[1] for r in got),
                                 "store + call": statistics.median(r[0] + r[1] - r[2] for r in got),
                                 "full gcs": statistics.median(r[2] for r in got), "runs": got}
                         for label, got in runs.items()}
        sqlite = results[name]["sqlite"]["store + call"]
        print(f"{args.total} {name}: " + " | ".join(
            f"{label}: {m['store']:.1f} + {m['call']:.1f} = {m['store + call']:.1f} ms"
            f" ({m['store + call'] / sqlite:.2f}x)" for label, m in results[name].items()), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
