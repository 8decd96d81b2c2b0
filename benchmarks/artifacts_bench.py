"""Stored artifacts (Git LFS) against the peers doing the same job, in one run.

    python benchmarks/artifacts_bench.py                 # a 512 MiB model file
    python benchmarks/artifacts_bench.py --size-mb 2048  # the issue's 2 GB

- `register --store` of one big file vs hashing it alone (sha256, the same one read);
- `get -o DIR` from the local store vs `cp` of the same bytes; `get` into the cache
  (a snapshot of links into the store) first and second time;
- `get` over file:// (git-lfs standalone transfer) and over HTTP (giftless, the test
  server) on a second registry vs `git lfs fetch` of the same objects in a plain clone;
- the store size of 10 versions that share one base file, against that file's size.

Every timing is the median of --repeat runs; prints a Markdown table with the ratios.
Needs git-lfs and the test extra (giftless): pip install -e '.[test]'.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.timing import median_time  # noqa: E402

Job = tuple[Callable[[], object], Callable[[], object]]  # (timed, untimed set-up before it)


def alternating(jobs: dict[str, Job], repeat: int, runs: dict[str, list[float]]) -> dict[str, float]:
    """Median wall and CPU time (this process, all threads) of each job, the jobs taking turns
    so that a change of load on the shared machine falls on every side; each wall time
    is kept in `runs` (the noise, for the record)."""
    cpus: dict[str, list[float]] = {}
    for _ in range(repeat):
        for key, (fn, before) in jobs.items():
            before()
            start, cpu = time.perf_counter(), time.process_time()
            fn()
            runs.setdefault(key, []).append(time.perf_counter() - start)
            cpus.setdefault(f"CPU time: {key}", []).append(time.process_time() - cpu)
    return {key: statistics.median(runs[key][-repeat:]) for key in jobs} | {
        key: statistics.median(v) for key, v in cpus.items()}


def make_file(path: Path, size: int) -> None:
    block = os.urandom(64 << 20)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            fh.write(block[:min(left, len(block))])
            left -= len(block)
            block = hashlib.sha256(block[:64]).digest() + block[32:]  # each block differs


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def git(*args: str, cwd=None) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True, cwd=cwd).stdout


def stored_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=512)
    parser.add_argument("--http-size-mb", type=int, default=128,
                        help="file size for the HTTP rows (giftless's Flask server moves ~10-20 MB/s here)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="write the numbers as JSON here")
    args = parser.parse_args()
    size = args.size_mb << 20

    work = Path(tempfile.mkdtemp(prefix="gitreg-artifacts-bench-"))
    os.environ.update({
        "HOME": str(work / "home"), "XDG_CACHE_HOME": str(work / "home" / "cache"), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    })
    (work / "home").mkdir()
    from gitreg import ModelRegistry
    from tests.servers.lfs import LfsServer

    results: dict[str, float] = {}
    runs: dict[str, list[float]] = {}
    load_before = os.getloadavg()
    try:
        big = work / "model.gguf"
        make_file(big, size)
        os.sync()  # the bench's own writes are on disk: their writeback is not timed as the store's
        sha256_file(big)  # warm the page cache, as a user's freshly written file would be

        # 1. register --store vs hashing alone
        def fresh_registry() -> None:
            shutil.rmtree(work / "reg-store", ignore_errors=True)

        nothing = lambda: None  # noqa: E731
        results.update(alternating({
            "hash alone (sha256)": (lambda: sha256_file(big), nothing),
            "register --store": (lambda: ModelRegistry(work / "reg-store").register_model(
                "majora", gguf_path=str(big), store=True), fresh_registry),
            "register (hash only, no store)": (lambda: ModelRegistry(work / "reg-store").register_model(
                "majora", gguf_path=str(big)), fresh_registry),
        }, args.repeat, runs))

        # 2. get -o DIR vs cp; get into the cache
        reg = ModelRegistry(work / "reg")
        reg.register_model("majora", gguf_path=str(big), store=True)
        reg.deploy("majora:v1")
        obj = next(p for p in (reg.path / "lfs" / "objects").rglob("*") if p.is_file())
        out = work / "out"

        def clear_out() -> None:
            shutil.rmtree(out, ignore_errors=True)
            os.sync()  # earlier steps' dirty pages: their writeback would throttle whichever copy comes next

        results.update(alternating({
            "get -o DIR (local store)": (lambda: reg.get_files("majora@production", dest=out), clear_out),
            "cp": (lambda: (out.mkdir(parents=True), shutil.copy(obj, out / "model.gguf")), clear_out),
        }, args.repeat, runs))
        cache = work / "home" / "cache" / "gitreg"
        clear_cache = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
        results["get into the cache, first (object hashed at store time, unchanged)"] = median_time(
            lambda: reg.get_files("majora@production"), args.repeat, clear_cache)
        results["get into the cache, again"] = median_time(lambda: reg.get_files("majora@production"), args.repeat)

        # 3. get over file:// and HTTP (download, check, snapshot) vs git lfs fetch of the same objects
        small = work / "small.gguf"
        make_file(small, args.http_size_mb << 20)
        reg.register_model("minora", gguf_path=str(small), store=True)
        reg.deploy("minora:v1")
        server = LfsServer(work / "giftless")
        try:
            for transport, model in (("file", "majora"), ("http", "minora")):
                remote = work / f"remote-{transport}.git"
                git("init", "--quiet", "--bare", str(remote))
                lfs_url = server.url(f"bench-{transport}") if transport == "http" else None
                if lfs_url:
                    git(f"--git-dir={reg.path}", "config", "lfs.url", lfs_url)
                reg.add_remote(f"r-{transport}", str(remote))
                reg.push(f"r-{transport}")
                commit = reg.get_version(f"{model}:v1").commit
                k = [0]

                def fresh_clone() -> ModelRegistry:
                    k[0] += 1
                    clone = ModelRegistry.clone(str(remote), work / f"clone-{transport}-{k[0]}.git")
                    if lfs_url:
                        git(f"--git-dir={clone.path}", "config", "lfs.url", lfs_url)
                    return clone

                clones: list[ModelRegistry] = []
                results[f"get over {transport}"] = median_time(
                    lambda: clones[-1].get_files(f"{model}@production"), args.repeat,
                    lambda: clones.append(fresh_clone()))
                plain: list[Path] = []

                def plain_clone() -> None:
                    k[0] += 1
                    path = work / f"plain-{transport}-{k[0]}.git"
                    git("clone", "--quiet", "--bare", str(remote), str(path))
                    git(f"--git-dir={path}", "fetch", "--quiet", "origin", "refs/tags/*:refs/tags/*")
                    if lfs_url:
                        git(f"--git-dir={path}", "config", "lfs.url", lfs_url)
                    plain.append(path)

                results[f"git lfs fetch over {transport}"] = median_time(
                    lambda: git(f"--git-dir={plain[-1]}", "lfs", "fetch", "origin", commit), args.repeat, plain_clone)
        finally:
            server.stop()

        # 4. 10 versions sharing one base file
        shared = ModelRegistry(work / "reg-shared")
        adapter = work / "adapter.bin"
        for i in range(10):
            adapter.write_bytes(os.urandom(4096))
            shared.register_model("majora", files=[("checkpoint", str(big)), ("lora", str(adapter))], store=True)
        results["store size of 10 versions / base file size"] = stored_bytes(shared.path / "lfs" / "objects") / size
    finally:
        shutil.rmtree(work, ignore_errors=True)

    r = results
    ratios = {
        "register --store / hash alone (target <= 1.3x)": r["register --store"] / r["hash alone (sha256)"],
        "CPU time: register --store / hash alone":
            r["CPU time: register --store"] / r["CPU time: hash alone (sha256)"],
        "register (no store) / hash alone": r["register (hash only, no store)"] / r["hash alone (sha256)"],
        "register --store / (hash alone + cp): overlap of hashing and writing":
            r["register --store"] / (r["hash alone (sha256)"] + r["cp"]),
        "get -o DIR throughput / cp throughput (target >= 0.8x)": r["cp"] / r["get -o DIR (local store)"],
        "get over file / git lfs fetch over file": r["get over file"] / r["git lfs fetch over file"],
        "get over http / git lfs fetch over http": r["get over http"] / r["git lfs fetch over http"],
    }
    load_after = os.getloadavg()
    print(f"\nFile size: {args.size_mb} MiB ({args.http_size_mb} MiB for the HTTP rows), "
          f"median of {args.repeat}; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    print("| workload | result |\n|---|---|")
    for key, value in results.items():
        shown = f"{value:.2f}x" if key.startswith("store size") else f"{value * 1000:.0f} ms"
        print(f"| {key} | {shown} |")
    for key, value in ratios.items():
        print(f"| **{key}** | {value:.2f}x |")
    if args.out:
        document = {"size_mb": args.size_mb, "http_size_mb": args.http_size_mb, "repeat": args.repeat,
                    "seconds": results, "ratios": ratios, "load_average": [load_before, load_after],
                    "runs": runs}
        args.out.write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
