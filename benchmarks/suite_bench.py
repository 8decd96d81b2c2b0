"""Issue 28's test-suite target: pytest serially vs `pytest -n N` (pytest-xdist), alternated.

    python benchmarks/suite_bench.py --workers 0,2,4 --repeat 3 tests/git tests/core
    python benchmarks/suite_bench.py --workers 0,auto --repeat 1          # the whole suite

`0` is the serial run (`-p no:xdist`, exactly what a developer gets without -n). Each run is one
`python -m pytest -q -p no:cacheprovider` process with CI=true; its wall seconds, the CPU seconds
of it and everything it started (getrusage of children), the load average before and after and
the pass/fail counts of pytest's summary line are recorded. The runs of the different worker
counts take turns (a, b, c, c, b, a, ...) so that a busy neighbour hits them alike; medians and
the ratio of each to the serial run are printed. On a shared machine only ratios within one
invocation mean anything: the lead measures the absolute figure on an idle machine.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


@dataclass
class Run:
    """One pytest process: what it cost and what it reported."""
    workers: str
    wall: float
    cpu: float
    load_before: float
    load_after: float
    counts: dict[str, int]
    returncode: int


def pytest_command(workers: str, paths: list[str], extra: list[str]) -> list[str]:
    """Serial (`0`) runs without the xdist plugin at all; others with `-n workers`."""
    xdist = ["-p", "no:xdist"] if workers == "0" else ["-n", workers]
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *xdist, *extra, *paths]


def counts_of(output: str) -> dict[str, int]:
    """The counts of pytest's last summary line ("1316 passed, 2 warnings in ...")."""
    lines = [line for line in output.splitlines() if " in " in line and SUMMARY.search(line)]
    if not lines:
        return {}
    return {kind.rstrip("s") if kind.startswith("error") else kind: int(n)
            for n, kind in SUMMARY.findall(lines[-1])}


def run_once(workers: str, paths: list[str], extra: list[str], log: Path) -> Run:
    env = {**os.environ, "CI": "true", "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.run(pytest_command(workers, paths, extra), cwd=ROOT, env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("a") as fh:
        fh.write(f"==== -n {workers}: {wall:.1f} s\n{proc.stdout}\n{proc.stderr[-5000:]}\n")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(workers, wall, cpu, load_before, os.getloadavg()[0], counts_of(proc.stdout), proc.returncode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="test paths (default: the whole suite)")
    parser.add_argument("--workers", default="0,auto", help="comma-separated -n values; 0 = serial")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pytest-arg", action="append", default=[], help="passed on to every pytest run")
    parser.add_argument("--out", type=Path, default=None, help="JSON file for the raw numbers")
    parser.add_argument("--log", type=Path, default=Path("suite_bench.log"), help="pytest's output of every run")
    args = parser.parse_args(argv)
    sides = args.workers.split(",")
    runs: list[Run] = []
    for i in range(args.repeat):
        for workers in (sides if i % 2 == 0 else list(reversed(sides))):
            run = run_once(workers, args.paths, args.pytest_arg, args.log)
            runs.append(run)
            print(f"-n {workers:>4}: {run.wall:7.1f} s wall, {run.cpu:7.1f} s CPU, load {run.load_before:.1f}"
                  f"->{run.load_after:.1f}, {run.counts}, exit {run.returncode}", flush=True)
    medians = {w: statistics.median(r.wall for r in runs if r.workers == w) for w in sides}
    for w in sides:
        ratio = f" = {medians[w] / medians[sides[0]]:.2f}x -n {sides[0]}" if w != sides[0] else ""
        print(f"median -n {w}: {medians[w]:.1f} s wall{ratio}")
    if args.out:
        args.out.write_text(json.dumps({"paths": args.paths, "workers": sides, "repeat": args.repeat,
                                        "median_wall": medians, "runs": [asdict(r) for r in runs]}, indent=1) + "\n")
    return 0 if all(r.returncode == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
