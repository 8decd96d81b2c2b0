"""Where a warm `gitreg list` spends its CPU, step by step, in one fresh process:

    python benchmarks/list_split.py benchmarks/.work/speed/reads-1000.git

Interpreter start-up is not in it (compare `python -c pass`); `import pygit2` is its own step,
so the steps above it are what gitreg adds to the issue's peer. Each step with process_time.
The listing is answered from the view index (features/listing, as `list` does); the last two
steps make the same lines from the rows (the way every model went before, and a model the
index cannot tell still goes), for comparison.
"""
from __future__ import annotations

import sys

from timing import Steps


def main(path: str) -> dict[str, float]:
    steps = Steps()
    step = steps.step

    import pygit2  # noqa: F401 - the peer's whole work
    step("import pygit2 (the peer)")
    import gitreg.api.registry  # noqa: F401
    import gitreg.clients.cli.main  # noqa: F401
    from gitreg.clients.cli import render
    step("import gitreg (CLI, registry)")
    reg = gitreg.api.registry.ModelRegistry(path)
    reg.check_refs()
    names = reg.list_models()
    step("open, check refs, model names")
    from gitreg.core.listed import ListedModel
    from gitreg.features.listing import fromindex
    step("import the index's listing (features/listing)")
    listed = fromindex.answer(reg._reader(), names)  # noqa: SLF001 - the facade's store, as listing() passes it
    step("the view index: refs' fingerprint, header, each model's lines")
    "\n".join("\n".join(render.listed_lines(listed[name])) for name in names if name in listed)
    step("the lines' text")
    rows = {name: ListedModel.of_rows(name, reg.list_rows(name)) for name in names}
    step("instead, from the rows (each model's cache file, 2 JSON entries a version)")
    "\n".join("\n".join(render.listed_lines(rows[name])) for name in names)
    step("their lines' text")
    return steps.spent


if __name__ == "__main__":
    for name, seconds in main(sys.argv[1]).items():
        print(f"{name:72s} {seconds * 1e3:7.1f} ms CPU")
