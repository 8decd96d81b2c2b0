"""Where a fresh process's first MLflow registry call goes (issue 28, the `mlflow --cold` profile).

    python benchmarks/mlflow_first_call.py TRACKING_URI REGISTRY_URI "s.search_model_versions(max_results=100)"

Run once per measurement (it must be a fresh interpreter). After `from mlflow import MlflowClient`
and the client, in this thread's CPU time: MLflow's store registry (every registry store's entry
point loaded, as MLflow does on its first registry call whichever the URI names: here through
importlib.metadata), the store as MLflow's registry builds it for the URI (gitreg://: gitreg's
entry point, the store module and what it imports; sqlite://: MLflow's SqlAlchemyStore, its engine
and schema check), then the call on that store (`s`: the store, which MlflowClient's registry
calls pass to; with what the call imports: from a current view index, neither pygit2 nor
gitreg's API); the full garbage collections inside (MLflow's heap is ~300,000 objects: one collection
costs ~110 ms, and whichever code allocates enough after MLflow's import pays it); and which of
pygit2, gitreg's API and the query parser the process loaded.
"""
from __future__ import annotations

import gc
import logging
import sys
import time


def main(tracking_uri: str, registry_uri: str, call_source: str) -> tuple[dict[str, float], list[str]]:
    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    clock = time.thread_time
    MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri)  # as a process using MLflow makes one
    full: list[float] = []
    began: list[float] = []

    def timed(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            began.append(clock()) if phase == "start" else full.append(clock() - began.pop())

    gc.callbacks.append(timed)
    call = eval(f"lambda s: {call_source}")  # noqa: S307 (the caller's own text)
    from importlib.metadata import entry_points

    steps = {"MLflow's store registry": 0.0, "the store": 0.0, "the call": 0.0}
    t = clock()
    builders = {ep.name: ep.load() for ep in entry_points(group="mlflow.model_registry_store")}  # both sides, ~10 ms
    steps["MLflow's store registry"] = clock() - t
    t = clock()
    scheme = registry_uri.partition(":")[0]
    if scheme in builders:  # a plugin's builder, called as MLflow's registry calls one
        store = builders[scheme](store_uri=registry_uri, tracking_uri=tracking_uri)
    else:  # sqlite:// and the other database URIs: MLflow's own store
        from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

        store = SqlAlchemyStore(registry_uri)
    steps["the store"] = clock() - t
    t = clock()
    call(store)
    steps["the call"] = clock() - t
    gc.callbacks.remove(timed)
    steps["total"] = sum(steps.values())
    steps["of which full garbage collections"] = sum(full)
    heavy = ("pygit2", "gitreg.api.registry", "gitreg.features.query.parser")
    return steps, [m for m in heavy if m in sys.modules]


if __name__ == "__main__":
    out, loaded = main(*sys.argv[1:4])
    print("  ".join(f"{name} {seconds * 1e3:.0f} ms" for name, seconds in out.items()), " loaded:", *loaded or ["-"])
