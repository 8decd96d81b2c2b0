"""Supply-chain exports against their peers, in one run.

    python benchmarks/supply_bench.py                  # 10 GB sparse vs 1 MB signing; 256 MiB OCI export
    python benchmarks/supply_bench.py --sparse-gb 1 --oci-mb 16 --repeat 1   # quick

- `sign --oms` of a version holding one 10 GB (sparse) file vs one holding 1 MB: both sign
  from the manifest's sha256 values, so they cost the same; the bytes the process read
  during signing (/proc/self/io rchar) are printed beside the times to show it;
- `export oci` of a version (one file of --oci-mb, stored) to a fresh local docker-registry vs
  `skopeo copy` of the same bytes (the OCI layout gitreg wrote) to another fresh one (a new
  port each time, so skopeo's blob-info cache cannot mount the blob from an earlier run).

Medians of --repeat runs, the sides taking turns. Needs docker-registry, skopeo, git-lfs and
the test extra (oras, model-signing).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sparse-gb", type=float, default=10.0)
    parser.add_argument("--oci-mb", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="write the numbers as JSON here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="gitreg-supply-bench-"))
    os.environ.update({
        "HOME": str(work / "home"), "XDG_CACHE_HOME": str(work / "home" / "cache"), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    })
    (work / "home").mkdir()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from gitreg import ModelRegistry
    from tests.servers.oci import OciRegistry

    results: dict[str, float] = {}
    server = None
    try:
        # 1. signing: 10 GB (sparse) vs 1 MB
        key = work / "signer.pem"
        key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        big, small = work / "big.gguf", work / "small.gguf"
        with open(big, "wb") as fh:
            fh.truncate(int(args.sparse_gb * (1 << 30)))  # a hole: no disk blocks
        small.write_bytes(os.urandom(1 << 20))
        reg = ModelRegistry(work / "reg")
        reg.register_model("big", gguf_path=str(big))  # hashed once at registration (not timed)
        reg.register_model("small", gguf_path=str(small))
        reg.sign_oms("small:v1", key)  # imports cryptography (its modules are read once, not timed)
        times: dict[str, list[float]] = {"big": [], "small": []}
        read: dict[str, int] = {}
        for _ in range(args.repeat):
            for name in ("big", "small"):
                before, start = rchar(), time.perf_counter()
                reg.sign_oms(f"{name}:v1", key)
                times[name].append(time.perf_counter() - start)
                read[name] = rchar() - before
        results[f"sign --oms, {args.sparse_gb:g} GB version"] = statistics.median(times["big"])
        results["sign --oms, 1 MB version"] = statistics.median(times["small"])
        results[f"bytes read while signing the {args.sparse_gb:g} GB version"] = read["big"]
        results["bytes read while signing the 1 MB version"] = read["small"]

        # 2. export oci vs skopeo copy of the same bytes, each into a fresh registry (a new port:
        # skopeo's blob-info cache cannot offer a cross-repository mount from an earlier run)
        payload = work / "weights.safetensors"
        with open(payload, "wb") as fh:
            for _ in range(args.oci_mb):
                fh.write(os.urandom(1 << 20))
        reg.register_model("oci", files=[("weights", str(payload))], store=True)
        layout = work / "layout"
        reg.export_oci("oci:v1", layout_dir=layout)
        export, skopeo = [], []
        for i in range(args.repeat):
            for side in ("gitreg", "skopeo"):
                server = OciRegistry(work / f"oci-{side}-{i}")
                start = time.perf_counter()
                if side == "gitreg":
                    reg.export_oci("oci:v1", f"{server.host}/models/oci:v1", plain_http=True)
                    export.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    reg.export_oci("oci:v1", f"{server.host}/models/oci:v1", plain_http=True)
                    results["export oci again (every blob already there)"] = time.perf_counter() - start
                else:
                    subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", f"oci:{layout}:v1",
                                    f"docker://{server.host}/models/oci:v1"], check=True, capture_output=True)
                    skopeo.append(time.perf_counter() - start)
                server.stop()
                server = None
        results[f"export oci, {args.oci_mb} MiB, fresh registry"] = statistics.median(export)
        results[f"skopeo copy of the same OCI layout, {args.oci_mb} MiB, fresh registry"] = statistics.median(skopeo)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("| workload | value |\n|---|---|")
    for k, v in results.items():
        print(f"| {k} | {v:,} bytes |" if k.startswith("bytes") else f"| {k} | {v * 1000:.1f} ms |")
    big_key, small_key = list(results)[:2]
    print(f"\nsigning {args.sparse_gb:g} GB / 1 MB: {results[big_key] / results[small_key]:.2f}x")
    e, s = [v for k, v in results.items() if k.startswith(("export oci,", "skopeo copy"))]
    print(f"export oci / skopeo copy: {e / s:.2f}x")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
