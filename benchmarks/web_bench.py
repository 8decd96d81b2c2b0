"""`gitreg web build` on big registries, beside the copy of the same site by `cp -r` (same run).

    python benchmarks/web_bench.py                   # 1,000 and 10,000 versions, 3 runs each
    python benchmarks/web_bench.py --sizes 100000 --repeat 1

A fixture of N versions (100 per model, benchmarks/fixtures.py) is read once first, so
every build runs from a warm derived cache (the issue's "from a warm cache"). Each build
is a whole `gitreg web build` process replacing the previous site (the usual CI case);
`cp -r` of the site it wrote is the floor of writing that many files on this disk. Also
reported: CPU seconds of the build, pages, and the largest page (each must stay < 1 MiB).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fixtures  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+sys) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fixture(work: Path, size: int) -> Path:
    path = work / "fixtures" / f"gitreg-{size}.git"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fixtures.build_gitreg(path, size)
    subprocess.run([sys.executable, "-m", "gitreg", "-R", str(path), "list"], check=True, stdout=subprocess.DEVNULL)
    return path


def measure(work: Path, size: int, repeat: int) -> dict:
    registry = fixture(work, size)
    site, copy = work / f"site-{size}", work / f"copy-{size}"
    build = [sys.executable, "-m", "gitreg", "-R", str(registry), "web", "build", "-o", str(site)]
    timed(build)  # the first build fills the derived cache's gaps; not counted
    builds, cps = [], []
    for _ in range(repeat):
        builds.append(timed(build))
        shutil.rmtree(copy, ignore_errors=True)
        cps.append(timed(["cp", "-r", str(site), str(copy)]))
    shutil.rmtree(copy, ignore_errors=True)
    pages = [p.stat().st_size for p in site.rglob("*.html")]
    wall = statistics.median(w for w, _ in builds)
    cp = statistics.median(w for w, _ in cps)
    return {"versions": size, "build_s": wall, "build_cpu_s": statistics.median(c for _, c in builds),
            "cp_s": cp, "ratio_to_cp": wall / cp, "pages": len(pages), "largest_page_bytes": max(pages),
            "site_bytes": sum(pages)}


def served_page(work: Path, depth: int, repeat: int) -> dict:
    """One model of `depth` versions: a served table page (WSGI call, in-process, fresh registry
    each time as the server does) beside `gitreg versions` listing the same model (a process)."""
    from werkzeug.test import Client

    from gitreg.clients.web.server import WebApp

    path = work / "fixtures" / f"chain-{depth}.git"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fixtures.build_chain(path, depth)
    subprocess.run([sys.executable, "-m", "gitreg", "-R", str(path), "versions", "chain"], check=True,
                   stdout=subprocess.DEVNULL)  # fills the derived cache
    client = Client(WebApp(path))
    pages, sizes = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get("/m/chain/page-2.html")
        pages.append(time.perf_counter() - start)
        assert response.status_code == 200
        sizes.append(len(response.data))
    versions = [timed([sys.executable, "-m", "gitreg", "-R", str(path), "versions", "chain"])[0] for _ in range(repeat)]
    page, listing = statistics.median(pages), statistics.median(versions)
    return {"versions": depth, "served_page_s": page, "page_bytes": max(sizes), "versions_cli_s": listing,
            "ratio_to_versions": page / listing}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one-model", type=int, nargs="*", default=[100000],
                    help="versions of the single model whose served table page is timed")
    ap.add_argument("--workdir", type=Path, default=HERE / ".work")
    ap.add_argument("--out", type=Path, default=HERE / "web_results.json")
    args = ap.parse_args()
    results = [measure(args.workdir, size, args.repeat) for size in args.sizes]
    served = [served_page(args.workdir, n, args.repeat) for n in args.one_model]
    args.out.write_text(json.dumps({"cpus": os.cpu_count(), "load": os.getloadavg(), "results": results,
                                    "served": served}, indent=2))
    print("| versions | `gitreg web build` | CPU | `cp -r` of the site | build / cp | pages | largest page |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['versions']:,} | {r['build_s']:.2f} s | {r['build_cpu_s']:.2f} s | {r['cp_s']:.2f} s "
              f"| {r['ratio_to_cp']:.1f}x | {r['pages']:,} | {r['largest_page_bytes'] / 1024:.0f} KiB |")
    if served:
        print()
        print("| one model of | served table page (100 rows) | `gitreg versions` of the model "
              "| page / versions | page size |")
        print("|---|---|---|---|---|")
    for r in served:
        print(f"| {r['versions']:,} | {r['served_page_s'] * 1000:.0f} ms | {r['versions_cli_s'] * 1000:.0f} ms "
              f"| {r['ratio_to_versions']:.2f}x | {r['page_bytes'] / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()

