"""Run inside the MLflow venv by benchmarks/query_bench.py: the same query in MLflow's registry.

usage: mlflow_query_bench.py WORKDIR DATA_JSON REPEAT
DATA_JSON is [[model, version, accuracy, framework, [tags], cost_usd], ...], the values
of the gitreg fixture. Builds (once, cached) model versions carrying them as tags
through the client API, then prints one JSON object of medians (seconds).

MLflow's filter grammar for model versions is AND-only over name, tags, run_id and
source_path, with string comparisons only, so `accuracy > 0.99` cannot be asked of
the server: it filters `tags.framework = 'unsloth' AND tags.candidate = 'true'`, and
the client keeps accuracy > 0.99 (how MLflow users answer this question today).
"""
from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from pathlib import Path

import mlflow
from mlflow import MlflowClient

logging.getLogger("mlflow").setLevel(logging.ERROR)


def build(client: MlflowClient, rows: list) -> None:
    models = set()
    for model, version, accuracy, framework, tags, cost in rows:
        if model not in models:
            client.create_registered_model(model)
            models.add(model)
        vtags = {"accuracy": str(accuracy), "framework": str(framework), "cost_usd": str(cost),
                 "gitreg_version": version}
        vtags.update({t: "true" for t in tags})
        client.create_model_version(model, source=f"s3://models/{model}/{version}", tags=vtags)


def main() -> None:
    workdir, data, repeat = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    rows = json.loads(data.read_text())
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "mlflow-query.db"
    done = workdir / "built"
    uri = f"sqlite:///{db}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient()
    if not done.exists() or done.read_text() != str(len(rows)):
        if db.exists():
            db.unlink()
        build(client, rows)
        done.write_text(str(len(rows)))

    def search(filter_string: str) -> list:
        out, token = [], None
        while True:
            page = client.search_model_versions(filter_string, max_results=10000, page_token=token)
            out += page
            token = page.token
            if not token:
                return out

    def across() -> int:
        hits = search("tags.framework = 'unsloth' AND tags.candidate = 'true'")
        return len([v for v in hits if float(v.tags.get("accuracy", "nan")) > 0.99])

    def one_model() -> int:
        return len([v for v in search("name = 'model-0000'") if float(v.tags.get("accuracy", "nan")) > 0.5])

    def best_cost() -> str:
        hits = search("name = 'model-0000'")
        return min(hits, key=lambda v: float(v.tags["cost_usd"])).tags["gitreg_version"]

    out = {"mlflow": mlflow.__version__}
    for name, fn in (("across", across), ("one_model", one_model), ("best", best_cost)):
        wall, cpu, result = [], [], None
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()  # SQLite runs in this process
            result = fn()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        out[name] = {"s": statistics.median(wall), "cpu_s": statistics.median(cpu), "result": result}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
