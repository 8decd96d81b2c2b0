"""Where `gitreg versions M` of a long model spends its CPU, step by step, in one process:

    python benchmarks/big_split.py /tmp/big/work/one-20000.git model-0000

The steps the command takes (list and sort the tags, load the model's cache file, the cached
parts of each version; the rows and their table text, which the table is made of; the full
records, which --json is made of, then to_dict and json.dumps),
each timed with process_time, the collector paused as `versions_named` pauses it. Start-up
(interpreter and imports) is not in it: compare with the whole command's CPU (speed_bench big).
"""
from __future__ import annotations

import gc
import json
import sys

from timing import Steps

from gitreg.api.registry import ModelRegistry
from gitreg.clients.cli.render import versions_text


def main(path: str, model: str) -> dict[str, float]:
    steps = Steps()
    step = steps.step

    snap = ModelRegistry(path, offline=True)._snapshot(model)
    names = snap.versions_sorted()
    step("list and sort the tags")
    snap.store.cache(model).manifest("")  # loads the file: read, seal check, JSON
    step("load the model's cache file")
    gc.disable()
    parts = [snap.stored_parts(v) for v in names]
    step("cached parts of each version")
    records = [snap.record_of(v, *p) for v, p in zip(names, parts)]
    step("build the records")
    rows = [snap.try_row(v) for v in names]  # what `versions` renders now (ModelRegistry.list_rows)
    step("rows (parts again + read_row)")
    gc.freeze(), gc.unfreeze(), gc.enable()
    versions_text(rows)
    step("table text of the rows")
    versions_text(records)
    step("table text of the records")
    dicts = [r.to_dict() for r in records]
    step("to_dict (--json)")
    json.dumps(dicts, indent=2, ensure_ascii=False, default=str)
    step("json.dumps(indent=2)")
    return steps.spent


if __name__ == "__main__":
    for name, seconds in main(sys.argv[1], sys.argv[2]).items():
        print(f"{name:36s} {seconds:6.3f} s CPU")
