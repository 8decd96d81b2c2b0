from __future__ import annotations

import typer

from .. import context, options


def run(
    ctx: typer.Context,
    model: options.Model,
    json_out: options.Json = False,
    metrics: options.Metrics = None,
) -> None:
    """List the versions of a model, oldest first (natural order)."""
    versions = context.registry(ctx).list_versions(model)
    if json_out:
        context.emit_json([v.to_dict() for v in versions])
        return
    from .. import columns
    from ..render import versions_table

    columns.warn_missing(versions, columns.parse(metrics))
    console = context.out()
    console.print(versions_table(versions, columns.parse(metrics), width=console.width))
