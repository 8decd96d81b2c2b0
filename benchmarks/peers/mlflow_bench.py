"""Run inside the MLflow venv by benchmarks/run.py: MLflow's model registry on SQLite.

usage: mlflow_bench.py WORKDIR TOTAL PER_MODEL REPEAT
Builds (once, cached) a registry of TOTAL versions as models of PER_MODEL versions
through the client API, then prints one JSON object of medians (seconds).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

t0 = time.perf_counter()
import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

IMPORT_S = time.perf_counter() - t0
logging.getLogger("mlflow").setLevel(logging.ERROR)


def main() -> None:
    workdir, total, per_model, repeat = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "mlflow.db"
    done = workdir / "built"
    mlflow.set_tracking_uri(f"sqlite:///{db}")
    mlflow.set_registry_uri(f"sqlite:///{db}")
    client = MlflowClient()
    if not done.exists():
        if db.exists():
            db.unlink()
        made = 0
        i = 0
        while made < total:
            name = f"model-{i:04d}"
            client.create_registered_model(name, description="bench")
            for k in range(min(per_model, total - made)):
                client.create_model_version(name, source=f"s3://models/{name}/v{k + 1}",
                                            tags={"accuracy": "0.8", "base_model": "Qwen2.5-Coder-7B"},
                                            description=f"run {k + 1}")
            made += min(per_model, total - made)
            i += 1
        done.write_text(str(total))
    scratch = workdir / "scratch.db"  # registering grows a copy, so the fixture keeps its size
    shutil.copyfile(db, scratch)
    writer = MlflowClient(tracking_uri=f"sqlite:///{scratch}", registry_uri=f"sqlite:///{scratch}")
    register = []
    for _ in range(repeat):
        t = time.perf_counter()
        writer.create_model_version("model-0000", source="s3://models/model-0000/bench",
                                    tags={"accuracy": "0.8"}, description="bench")
        register.append(time.perf_counter() - t)
    scratch.unlink()

    def list_all() -> int:
        n, token = 0, None
        while True:
            page = client.search_model_versions(max_results=10000, page_token=token)
            n += len(page)
            token = page.token
            if not token:
                return n

    list_times, one_times = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        n = list_all()
        list_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.search_model_versions("name='model-0000'")
        one_times.append(time.perf_counter() - t)
    print(json.dumps({
        "import_s": IMPORT_S,
        "register_s": statistics.median(register),
        "list_s": statistics.median(list_times),
        "listed": n,
        "versions_s": statistics.median(one_times),
        "mlflow": mlflow.__version__,
        "pid": os.getpid(),
    }))


if __name__ == "__main__":
    main()
