"""Where gitreg's `search_model_versions("name='<model>'")` goes in a fresh MLflow process, by
segment (issue 28, session 8: branch ml10k), first call and again after listing.forget().

    python benchmarks/mlflow_call_segments.py TRACKING_URI gitreg://REGISTRY [MODEL] [ROUNDS]

Segments, in thread CPU ms, as store.search_model_versions runs them for a `name =` filter in
MLflow's default order: the store (gitreg's entry point: its modules' import), the Listing
(catalog_at: the refs' fingerprint, the view index's header, the model's columns), the order
(default keys, the page), the records of the page's versions (the index's rows) and their MLflow
entities. Rounds after the first start from forgotten memos (listing.forget), so the difference
to the first is what only a fresh process pays (lazy imports, pattern compiles, first runs).
"""
from __future__ import annotations

import logging
import sys
import time


def main(tracking: str, uri: str, model: str = "model-0003", rounds: int = 3) -> list[list[tuple[str, float]]]:
    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    MlflowClient(tracking_uri=tracking, registry_uri=uri)
    from importlib.metadata import entry_points

    builders = {ep.name: ep.load() for ep in entry_points(group="mlflow.model_registry_store")}
    clock = time.thread_time
    t = clock()
    store = builders["gitreg"](store_uri=uri, tracking_uri=tracking)
    out = [[("store", clock() - t)]]
    from mlflow.utils.search_utils import SearchModelVersionUtils

    from gitreg.clients.mlflow import listing, mapping, search

    for n in range(rounds):
        if n:
            listing.forget()
            out.append([])
        marks = out[-1]
        t = clock()
        only = search.names_required(f"name='{model}'", SearchModelVersionUtils)
        listed = listing.Listing(store.path, store._registry, only, listing.ORDER_COLUMNS)
        marks.append(("Listing", clock() - t))
        t = clock()
        keyed, total = listed.default_order(None, prompts=True, first=10000)
        wanted = list(search.page_by_key(keyed, 10000, None, total))
        marks.append(("order", clock() - t))
        t = clock()
        records = listed.records(model, [v for _, v in wanted])
        marks.append(("records", clock() - t))
        t = clock()
        view = listed.models[model].view_of(records.values())
        [mapping.model_version(view, records[v]) for _, v in wanted]
        marks.append(("entities", clock() - t))
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    for i, marks in enumerate(main(*args[:3], *map(int, args[3:4]))):
        print("first" if i == 0 else "again", "  ".join(f"{name} {s * 1e3:.1f} ms" for name, s in marks))
