from __future__ import annotations

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context


def run(
    ctx: Context,
    model: options.Model,
    json_out: options.Json = False,
) -> None:
    """Draw the version tree of a model (from commit parentage)."""
    tracker = context.tracker(ctx)
    if json_out:
        context.emit_json({"model_name": model, "parents": tracker.get_parents(model)})
        return
    context.out().print(tracker.build_tree(model).rstrip("\n"), markup=False)
