"""Registration CPU, two sides at a time run concurrently, ratios taken pair by pair.

On a shared machine whose load swings within seconds, speed_bench's `register` (sides run one
after another, medians of each) moved by ±40% between back-to-back runs of the same code. Here
both sides of a pair start together, so they see the same load; each pair's ratio is CPU over
CPU (getrusage of each child and the git processes it starts, as speed_bench measures), and
the median over rounds is reported. Sides: this tree's gitreg, the floor (speed_bench.floor_loop:
pygit2 alone writing the same four objects and two refs as a registration, each ref a
compare-and-swap), with --baseline another checkout's gitreg, and with --floor-same-bytes
sessions 3-4's floor (the same manifest bytes every time: two objects of four).

    python benchmarks/register_pairs.py --baseline /tmp/base --rounds 9 [--floor-same-bytes] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


class Sides:
    """Start one measured child of a side (speed_bench's child program) on a fresh registry."""

    def __init__(self, work: Path, count: int, baseline: Optional[Path]) -> None:
        import speed_bench

        self.work, self.count, self.n = work, count, 0
        self.child = speed_bench._CHILD.format(here=str(HERE))
        manifest = str(speed_bench.floor_manifest(work))
        tree = HERE.parent
        self.sides = {"this": ("gitreg", tree, []), "floor": ("floor", tree, [manifest]),
                      "floor (same bytes)": ("floor-same-bytes", tree, [manifest])}
        if baseline is not None:
            self.sides["baseline"] = ("gitreg", baseline, [])

    def start(self, side: str) -> subprocess.Popen:
        kind, tree, extra = self.sides[side]
        self.n += 1
        path = self.work / f"{self.n}.git"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        if kind.startswith("floor"):
            subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
        else:
            subprocess.run([sys.executable, "-c", "import sys; from gitreg import ModelRegistry; "
                            "ModelRegistry(sys.argv[1]).init()", str(path)], check=True, env=env)
        return subprocess.Popen([sys.executable, "-c", self.child, kind, str(path), "10", str(self.count), *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tree)


def _seconds(proc: subprocess.Popen, splits: list[list[float]]) -> float:
    """The child's CPU seconds a registration; its (user, system) split is appended to `splits`."""
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"a measured child failed:\n{err}")
    lines = out.strip().splitlines()
    splits.append([float(x) for x in lines[-2].split()])
    return float(lines[-1])


def main(argv: list[str] | None = None) -> int:
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as speed_bench: from compiled bytecode
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path, help="another checkout whose gitreg is paired with this one")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--count", type=int, default=200, help="registrations per child (10 models)")
    ap.add_argument("--floor-same-bytes", action="store_true", help="also pair with sessions 3-4's floor")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--out", type=Path, help="a JSON file to add the results to (key 'register_pairs')")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="register-pairs-", dir=args.workdir))
    try:
        return _run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> int:
    import speed_bench

    speed_bench._env_identity(work / "home")
    sides = Sides(work, args.count, args.baseline)
    floors = ["floor", "floor (same bytes)"] if args.floor_same_bytes else ["floor"]
    pairs = [("this", floor) for floor in floors]
    if args.baseline is not None:
        pairs = [("this", "baseline"), *pairs, *(("baseline", floor) for floor in floors)]
    runs: dict[str, list[list[float]]] = {f"{a} / {b}": [] for a, b in pairs}
    splits: dict[str, list[list[float]]] = {side: [] for pair in pairs for side in pair}
    load = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for a, b in pairs:
            first, second = sides.start(a), sides.start(b)
            runs[f"{a} / {b}"].append([_seconds(first, splits[a]), _seconds(second, splits[b])])
    load.append(os.getloadavg()[0])
    result = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": load, "count": args.count,
              "rounds": args.rounds, "ratios": {}, "cpu_ms": {}, "runs": runs,
              # median user and system ms a registration per side: the file system's share moves with
              # the machine's state (see RESULTS.md, reg4), the user share much less
              "user_system_ms": {side: [statistics.median(u for u, _ in v) * 1e3,
                                       statistics.median(s for _, s in v) * 1e3] for side, v in splits.items()}}
    for name, pairs_run in runs.items():
        ratio = statistics.median(x / y for x, y in pairs_run)
        result["ratios"][name] = ratio
        result["cpu_ms"][name] = [statistics.median(x for x, _ in pairs_run) * 1e3,
                                  statistics.median(y for _, y in pairs_run) * 1e3]
        print(f"{name:34s} {ratio:.2f}x (median of {len(pairs_run)} concurrent pairs; CPU medians "
              f"{result['cpu_ms'][name][0]:.2f} / {result['cpu_ms'][name][1]:.2f} ms a registration)")
    for side, (user, system) in result["user_system_ms"].items():
        print(f"  {side:32s} user {user:.2f} ms, system {system:.2f} ms a registration (medians)")
    if args.out is not None:
        prev = json.loads(args.out.read_text()) if args.out.exists() else {}
        prev["register_pairs"] = result
        args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
