from __future__ import annotations

import typer

from gitreg.clients.cli import context, options


def run(
    ctx: typer.Context,
    model: options.Model,
    json_out: options.Json = False,
) -> None:
    """Every event of a model, oldest first, read from git."""
    events = context.registry(ctx).history(model)
    if json_out:
        context.emit_json([e.to_dict() for e in events])
        return
    from gitreg.clients.cli.render import history_table

    context.out().print(history_table(events))
