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


def _floor(path: Path, count: int, new: bool = False) -> float:
    """speed_bench's floor (blob, tree, commit, annotated tag and its ref, branch ref with
    pygit2 alone), the manifest as gitreg writes it, in this process: CPU per registration.
    `new`: each registration's manifest names its own version (a new blob and tree each time,
    as gitreg's do); else the same bytes every time, whose blob and tree libgit2 finds stored."""
    import pygit2

    from gitreg.core import yamlio
    from gitreg.model import manifest as mf

    manifest = yamlio.dump(mf.build_manifest(
        model="model-0000", version="v1", created_at=mf.now_iso(time.time()), status="completed", parent=None,
        base_model="Qwen2.5-Coder-7B", training={"framework": "unsloth"},
        scores={"accuracy": 0.85, "f1_score": 0.8, "pass_at_1": 0.4}, files=[], training_data=["oracle"],
        git_commit="abc123def456", tags=["bench"], notes="benchmark"))
    repo = pygit2.init_repository(str(path), bare=True)
    sig = pygit2.Signature("Bench", "bench@example.com", int(time.time()), 0)
    tips: dict[str, pygit2.Oid] = {}
    start = time.process_time()
    for i in range(count):
        m, v = f"model-{i % 10:04d}", f"v{i // 10 + 1}"
        tb = repo.TreeBuilder()
        data = manifest.replace(b"model_name: model-0000\nversion: v1\n", f"model_name: {m}\nversion: {v}\n".encode(),
                                1) if new else manifest
        tb.insert("manifest.yaml", repo.create_blob(data), pygit2.GIT_FILEMODE_BLOB)
        commit = repo.create_commit(None, sig, sig, f"register {m} {v}\n\nbenchmark\n", tb.write(),
                                    [tips[m]] if m in tips else [])
        repo.create_tag(f"{m}/{v}", commit, pygit2.GIT_OBJECT_COMMIT, sig, f"{m} {v}\n\nbenchmark\n")
        repo.references.create(f"refs/heads/{m}", commit, force=True)
        tips[m] = commit
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
    floor = _floor(work / "floor.git", args.count)
    floor_new = _floor(work / "floor-new.git", args.count, new=True)
    print(f"per registration {total * 1e3:.3f} ms CPU (inclusive, nested); the pygit2 floor right after, "
          f"same process: {floor * 1e3:.3f} ms ({total / floor:.2f}x); writing each registration's own "
          f"manifest: {floor_new * 1e3:.3f} ms ({total / floor_new:.2f}x)")
    for name, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<42} {seconds * 1e3:7.3f} ms {seconds / total:6.1%}")
    if args.out is not None:
        prev = json.loads(args.out.read_text()) if args.out.exists() else {}
        prev["register_parts"] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                  "count": args.count, "total": total, "floor": floor,
                                  "floor_new_manifest": floor_new, "parts": parts,
                                  "calls": {name: calls[name] for _, name in PARTS}}
        args.out.write_text(json.dumps(prev, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
