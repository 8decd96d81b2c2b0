"""Issue 27's measurements, each against a peer in the same run (ratios in RESULTS.md):

1. `get` of one big stored file (default 1 GiB) through giftless + SeaweedFS (S3, pre-signed
   URLs) vs the same through giftless storing on its local disk;
2. `gitreg bundle create` of a registry with stored files vs `git bundle create --all` plus
   copying the LFS objects (what a person would do by hand, without the checks);
3. `gitreg gc --dry-run` (the whole plan: every version, its note, its deployments) on
   10,000 versions vs listing every version through the API (the reads it cannot avoid).

    python benchmarks/storage_bench.py                 # 1 GiB, 200 versions, 10,000 versions
    python benchmarks/storage_bench.py --get-mb 64 --repeat 1   # a quick look
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import fixtures  # noqa: E402
from benchmarks.timing import median_time  # noqa: E402
from gitreg import ModelRegistry  # noqa: E402


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def make_file(path: Path, mb: int) -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as fh:
        for _ in range(mb):
            fh.write(block[:-8] + os.urandom(8))  # every MiB different: no dedup inside the store


def bench_get(work: Path, mb: int, repeat: int) -> dict:
    from tests.servers.lfs import LfsServer
    from tests.servers.seaweedfs import S3LfsServer, SeaweedFS

    (work / "disk").mkdir()
    (work / "s3").mkdir()
    weed = SeaweedFS(work / "weed", volumes=max(20, 4 * mb // 64))  # room for the file, several times
    servers = {"giftless local disk": LfsServer(work / "disk"),
               "giftless + SeaweedFS (S3)": S3LfsServer(work / "s3", weed)}
    try:
        source = ModelRegistry(work / "source.git")
        big = work / "big.bin"
        make_file(big, mb)
        source.register_model("big", files={"checkpoint": str(big)}, store=True)
        big.unlink()
        clones = {}
        for i, (label, server) in enumerate(servers.items()):
            remote = work / f"remote{i}.git"
            _git("init", "--quiet", "--bare", str(remote))
            _git(f"--git-dir={source.path}", "config", "lfs.url", server.url("bench"))
            source.add_remote(f"r{i}", str(remote), sync=False)
            source.push(f"r{i}")
            clone = ModelRegistry.clone(str(remote), work / f"clone{i}.git")
            _git(f"--git-dir={clone.path}", "config", "lfs.url", server.url("bench"))
            clones[label] = clone

        def cold(clone: ModelRegistry):
            return lambda: shutil.rmtree(clone.path / "lfs", ignore_errors=True)

        times = {}
        for _ in range(repeat):  # alternate, so both see the same machine load
            for label, clone in clones.items():
                times.setdefault(label, []).append(
                    median_time(lambda c=clone: c.file_path("big:v1", "checkpoint"), 1, cold(clone)))
        medians = {label: sorted(t)[len(t) // 2] for label, t in times.items()}
        return {"mb": mb, "seconds": medians,
                "ratio_s3_vs_disk": medians["giftless + SeaweedFS (S3)"] / medians["giftless local disk"]}
    finally:
        for server in servers.values():
            server.stop()
        weed.stop()


def bench_bundle(work: Path, versions: int, mb: int, repeat: int) -> dict:
    reg = ModelRegistry(work / "bundle-src.git")
    each = max(1, (mb << 20) // versions)
    for n in range(versions):
        f = work / f"w{n}.bin"
        f.write_bytes(os.urandom(each))
        reg.register_model(f"model-{n % 10}", files={"checkpoint": str(f)}, store=True)
        f.unlink()
    out = work / "out"

    def clean() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()

    def by_hand() -> None:
        _git(f"--git-dir={reg.path}", "bundle", "create", "--quiet", str(out / "refs.bundle"), "--all")
        shutil.copytree(reg.path / "lfs" / "objects", out / "lfs")

    gitreg_s = median_time(lambda: reg.bundle_create(out / "all.grb"), repeat, clean)
    hand_s = median_time(by_hand, repeat, clean)
    return {"versions": versions, "stored_mb": round(each * versions / (1 << 20)), "gitreg_s": gitreg_s,
            "git_bundle_plus_copy_s": hand_s, "ratio": gitreg_s / hand_s}


def bench_gc(work: Path, versions: int, repeat: int) -> dict:
    path = work / f"gc-{versions}.git"
    fixtures.build_gitreg(path, versions)
    reg = ModelRegistry(path)
    gc_s = median_time(lambda: ModelRegistry(path).gc(keep_last=3, purge_older_than_days=0, dry_run=True), repeat)
    list_s = median_time(lambda: [ModelRegistry(path).list_versions(m) for m in reg.list_models()], repeat)
    return {"versions": versions, "gc_dry_run_s": gc_s, "list_every_version_s": list_s, "ratio": gc_s / list_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--get-mb", type=int, default=1024)
    ap.add_argument("--bundle-versions", type=int, default=200)
    ap.add_argument("--bundle-mb", type=int, default=256)
    ap.add_argument("--gc-versions", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["get", "bundle", "gc"], action="append")
    ap.add_argument("--out", default=str(Path(__file__).parent / "storage_results.json"))
    args = ap.parse_args()
    os.environ.setdefault("GIT_AUTHOR_NAME", "Bench Writer")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@example.com")
    os.environ.setdefault("GIT_COMMITTER_NAME", "Bench Writer")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@example.com")
    only = set(args.only or ["get", "bundle", "gc"])
    results = {}
    with tempfile.TemporaryDirectory(prefix="gitreg-storage-bench-", dir="/tmp") as tmp:
        work = Path(tmp)
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")
        if "bundle" in only:
            (work / "b").mkdir()
            results["bundle"] = bench_bundle(work / "b", args.bundle_versions, args.bundle_mb, args.repeat)
            print(json.dumps(results["bundle"]), flush=True)
        if "gc" in only:
            (work / "g").mkdir()
            results["gc"] = bench_gc(work / "g", args.gc_versions, args.repeat)
            print(json.dumps(results["gc"]), flush=True)
        if "get" in only:
            (work / "s").mkdir()
            results["get"] = bench_get(work / "s", args.get_mb, args.repeat)
            print(json.dumps(results["get"]), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
