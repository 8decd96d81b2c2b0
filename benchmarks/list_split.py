"""Where a warm `gitreg list` spends its CPU, step by step, in one fresh process:

    python benchmarks/list_split.py benchmarks/.work/speed/reads-1000.git

Interpreter start-up is not in it (compare `python -c pass`); `import pygit2` is its own step,
so the steps above it are what gitreg adds to the issue's peer. Each step with process_time.
"""
from __future__ import annotations

import sys
import time

from timing import Steps


def main(path: str) -> dict[str, float]:
    steps = Steps()
    step = steps.step

    import pygit2  # noqa: F401 - the peer's whole work
    step("import pygit2 (the peer)")
    import gitreg.api.registry  # noqa: F401
    import gitreg.clients.cli.main  # noqa: F401
    from gitreg.clients.cli import columns
    from gitreg.clients.cli.render import list_line
    step("import gitreg (CLI, registry)")
    reg = gitreg.api.registry.ModelRegistry(path)
    reg.check_refs()
    names = reg.list_models()
    step("open, check refs, model names")
    buckets = {"the models' cache files (read, seal check, JSON)": 0.0,
               "rows (cached parts: JSON of 2 entries a version; read_row)": 0.0,
               "metric columns and lines": 0.0}
    keys = list(buckets)
    for name in names:  # as `list` goes: model by model
        t = time.process_time()
        reg._snapshot(name).store.cache(name).manifest("")  # noqa: SLF001 - loads the model's cache file
        t1 = time.process_time()
        rows = reg.list_rows(name)
        t2 = time.process_time()
        flats = columns.flats_of(rows)
        shown = columns.for_lines(rows, None, flats)
        "\n".join(list_line(v, shown, f) for v, f in zip(rows, flats))
        t3 = time.process_time()
        for key, spent in zip(keys, (t1 - t, t2 - t1, t3 - t2)):
            buckets[key] += spent
    return {**steps.spent, **buckets}


if __name__ == "__main__":
    for name, seconds in main(sys.argv[1]).items():
        print(f"{name:60s} {seconds * 1e3:7.1f} ms CPU")
