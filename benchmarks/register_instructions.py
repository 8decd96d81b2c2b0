"""Instructions per registration (valgrind's callgrind), gitreg against speed_bench's floor: the
ratio on a quiet file system, measured without the file system's state or the machine's load.

The floor (floor_loop) is mostly file-system work and gitreg's excess mostly its own user CPU, so
timed ratios move 1.3-2.5x with the kernel's speed (RESULTS.md, issue 28 sessions 5-6); counted
instructions do not move. Each side runs in a child under callgrind twice, `--low` and `--high`
registrations after warming 10 models as speed_bench's child does, and the difference is divided
by `--high - --low`: start-up and warm-up cancel. gitreg's configuration TTL is set to an hour in
the child (under valgrind a run is ~50x slower, so the one `git config` a second a real run pays
would be ~50x as many per registration; git's own processes are not counted either way).

A third side, "floor + ref protocol", is the floor with the storage contract's ref protocol in
place of pygit2's ref calls (speed_bench.floor_loop(protocol=True)): what crash safety costs by
itself, apart from the rest of a registration (validation, manifest, configuration, numbering).

    python benchmarks/register_instructions.py [--baseline /tmp/base] [--low 20 --high 120] \
        [--without record environment config-files signers policy]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_CHILD = r'''
import sys, tempfile
from pathlib import Path
sys.path.insert(0, {here!r})
import speed_bench
from run import REGISTER_ARGS
kind, n, work = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
speed_bench._env_identity(work / "home")
if kind == "gitreg":
    import subprocess  # imported by the first configuration read: before the counted part either way
    from gitreg.git import config as gitconfig
    gitconfig.TTL = 3600.0
    exec(sys.argv[5])  # --without: one step answered by a constant (nothing else: "pass")
    from gitreg import ModelRegistry
    reg = ModelRegistry(work / "r.git")
    for i in range(10):
        reg.register_model(f"model-{{i:04d}}", **REGISTER_ARGS)
    for i in range(n):
        reg.register_model(f"model-{{i % 10:04d}}", **REGISTER_ARGS)
else:
    import pygit2
    manifest = Path(sys.argv[4]).read_bytes()
    repo = pygit2.init_repository(str(work / "f.git"), bare=True)
    state = {{}}
    protocol = kind == "floor+protocol"
    speed_bench.floor_loop(repo, manifest, 10, 10, state=state, protocol=protocol)
    speed_bench.floor_loop(repo, manifest, 10, n, state=state, protocol=protocol)
'''


# --without STEP: the gitreg side again with one step answered by a constant (what the step costs
# is the difference; the registrations then write the same objects and refs)
WITHOUT = {
    "record": "import gitreg.features.registration.registration as m; m.record = lambda store, model, written: None",
    "environment": "e = gitconfig._environment(); gitconfig._environment = lambda: e",
    "config-files": "f, g = {}, gitconfig._files; gitconfig._files = "
                    "lambda d, env=None: f[str(d)] if str(d) in f else f.setdefault(str(d), g(d, env))",
    "signers": "import gitreg.git.repository as m; m.Store.signer = lambda self, what, sign=None: None",
    "policy": "import gitreg.features.policy.rules as m; m.check_registrant = lambda store, model: None",
}


def _instructions(kind: str, n: int, tree: Path, work: Path, manifest: Path, without: str = "pass") -> int:
    """Instructions callgrind counts for a child that registers n versions after the warm-up."""
    run_dir = Path(tempfile.mkdtemp(dir=work))
    out = run_dir / "callgrind.out"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c",
                    _CHILD.format(here=str(HERE)), kind, str(n), str(run_dir), str(manifest), without],
                   env=env, cwd=run_dir, check=True, capture_output=True)  # cwd: `-c` puts it first on sys.path
    for line in out.read_text().splitlines():
        if line.startswith("totals:") or line.startswith("summary:"):
            total = int(line.split()[1])
            break
    else:
        raise RuntimeError(f"no totals in {out}")
    shutil.rmtree(run_dir, ignore_errors=True)
    return total


def per_registration(kind: str, tree: Path, work: Path, manifest: Path, low: int, high: int,
                     without: str = "pass") -> float:
    return (_instructions(kind, high, tree, work, manifest, without)
            - _instructions(kind, low, tree, work, manifest, without)) / (high - low)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path, help="another checkout whose gitreg is counted too")
    ap.add_argument("--low", type=int, default=20)
    ap.add_argument("--high", type=int, default=120)
    ap.add_argument("--without", nargs="+", choices=sorted(WITHOUT), default=[],
                    help="also count gitreg with each of these steps answered by a constant")
    ap.add_argument("--out", type=Path, help="a JSON file to add the counts to (key 'register_instructions')")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 1
    import speed_bench

    work = Path(tempfile.mkdtemp(prefix="register-instructions-"))
    try:
        speed_bench._env_identity(work / "home")
        manifest = speed_bench.floor_manifest(work)
        sides = {"gitreg": ("gitreg", ROOT, "pass"), "floor": ("floor", ROOT, "pass"),
                 "floor + ref protocol": ("floor+protocol", ROOT, "pass")}  # the contract's crash safety alone
        if args.baseline is not None:
            sides["gitreg (baseline)"] = ("gitreg", args.baseline, "pass")
        for step in args.without:
            sides[f"gitreg without {step}"] = ("gitreg", ROOT, WITHOUT[step])
        for tree in {tree for _, tree, _ in sides.values()}:  # bytecode first: a tree's first child would
            # compile it inside the counted run (+7 M a registration once divided; its pairs run high first)
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "gitreg"), str(HERE)], check=True)
        counts = {name: per_registration(kind, tree, work, manifest, args.low, args.high, without)
                  for name, (kind, tree, without) in sides.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = counts["floor"]
    for name, count in counts.items():
        print(f"{name:<30} {count / 1e6:6.3f} M instructions a registration  {count / floor:5.2f}x the floor")
    if args.out is not None:
        prev = json.loads(args.out.read_text()) if args.out.exists() else {}
        prev["register_instructions"] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                         "low": args.low, "high": args.high, "per_registration": counts}
        args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
