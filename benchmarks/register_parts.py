"""Where a registration's CPU goes, without a profiler's per-call overhead distorting it.

cProfile inflates Python-heavy code (the manifest emitter looks like 14% under it, 2% without):
here only the named functions below are wrapped, each adding inclusive CPU time (process_time),
and `count` API registrations into 10 models run as speed_bench's `register` does. Times are
inclusive and nest (write_version contains update_refs, which contains _lock).

    python benchmarks/register_parts.py --count 400 [--out benchmarks/reg_results.json]
"""
from __future__ import annotations

import argparse
import collections
import functools
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_R = "gitreg.features.registration.registration"
_S = "gitreg.git.repository"
PARTS = [  # (module, qualified name): the steps of one registration, top-down
    ("gitreg.api.registry", "ModelRegistry.register_model"), ("gitreg.api.registry", "ModelRegistry._sync"),
    ("gitreg.features.artifacts.get", "store_default"), (_R, "prepare"),
    ("gitreg.features.policy.rules", "check_registrant"), ("gitreg.features.sync.retries", "earlier_registration"),
    (_R, "write_version"), ("gitreg.model.snapshot", "ModelSnapshot.__init__"),
    ("gitreg.model.snapshot", "ModelSnapshot.version_parts"), (_R, "_next_free"), (_R, "_untagged_tip"),
    (_R, "_require_model_branch"), (_R, "_files_of"), ("gitreg.core.yamlio", "dump"),
    (_S, "Store.write_tree"), (_S, "Store.write_commit"), (_S, "Store.write_tag"), (_S, "Store.signer"),
    (_S, "Store.signature"), ("gitreg.git.config", "_key"), (_S, "Store.update_refs"),
    ("gitreg.git.refs.transaction", "_lock"), ("gitreg.git.refs.lockowner", "Owner._write"),
    (_R, "_recheck_case"), (_R, "_remember_root"),
    (_S, "Store.pack_refs_if_needed"), ("gitreg.model.snapshot", "ModelSnapshot.record_of"),
]


def _wrap(spent: collections.Counter, calls: collections.Counter, module: str, qualified: str) -> None:
    owner = importlib.import_module(module)
    *path, name = qualified.split(".")
    for part in path:
        owner = getattr(owner, part)
    fn = getattr(owner, name)

    @functools.wraps(fn)
    def timed(*args, **kwargs):
        calls[qualified] += 1
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[qualified] += time.process_time() - start

    setattr(owner, name, timed)


def _floor(manifest: bytes, path: Path, count: int, same_bytes: bool = False) -> float:
    """speed_bench's floor (floor_loop: the same four objects and two refs with pygit2 alone, each
    ref a compare-and-swap), in this process: CPU per registration. `same_bytes`: sessions 3-4's
    floor (the same manifest bytes every time: libgit2 finds the blob and tree stored)."""
    import pygit2
    import speed_bench

    repo = pygit2.init_repository(str(path), bare=True)
    state: dict = {}
    if not same_bytes:  # warm as the gitreg side is here: the 10 models exist
        speed_bench.floor_loop(repo, manifest, 10, 10, state=state)
    start = time.process_time()
    speed_bench.floor_loop(repo, manifest, 10, count, same_bytes, state)
    return (time.process_time() - start) / count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--out", type=Path, help="a JSON file to add the breakdown to (key 'register_parts')")
    args = ap.parse_args(argv)
    import speed_bench
    from run import REGISTER_ARGS

    work = Path(tempfile.mkdtemp(prefix="register-parts-"))
    speed_bench._env_identity(work / "home")
    manifest = speed_bench.floor_manifest(work).read_bytes()  # before the wrapping: not counted
    spent: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    for module, qualified in PARTS:
        _wrap(spent, calls, module, qualified)
    from gitreg import ModelRegistry

    reg = ModelRegistry(work / "r.git")
    for i in range(10):  # warm: the models exist
        reg.register_model(f"model-{i:04d}", **REGISTER_ARGS)
    spent.clear()
    calls.clear()
    start = time.process_time()
    for i in range(args.count):
        reg.register_model(f"model-{i % 10:04d}", **REGISTER_ARGS)
    total = (time.process_time() - start) / args.count
    parts = {name: spent[name] / args.count for _, name in PARTS}
    floor = _floor(manifest, work / "floor.git", args.count)
    floor_same = _floor(manifest, work / "floor-same.git", args.count, same_bytes=True)
    print(f"per registration {total * 1e3:.3f} ms CPU (inclusive, nested); the pygit2 floor right after, "
          f"same process: {floor * 1e3:.3f} ms ({total / floor:.2f}x); sessions 3-4's floor (same manifest "
          f"bytes every time): {floor_same * 1e3:.3f} ms ({total / floor_same:.2f}x)")
    for name, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<42} {seconds * 1e3:7.3f} ms {seconds / total:6.1%}")
    if args.out is not None:
        prev = json.loads(args.out.read_text()) if args.out.exists() else {}
        prev["register_parts"] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                  "count": args.count, "total": total, "floor": floor,
                                  "floor_same_bytes": floor_same, "parts": parts,
                                  "calls": {name: calls[name] for _, name in PARTS}}
        args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
