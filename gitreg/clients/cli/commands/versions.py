from __future__ import annotations

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context


def run(
    ctx: Context,
    model: options.Model,
    where: options.Where = None,
    sort: options.Sort = None,
    json_out: options.Json = False,
    metrics: options.Metrics = None,
) -> None:
    """List the versions of a model, oldest first (natural order), or those matching --where."""
    reg = context.registry(ctx)
    if where is None and not sort:
        versions = reg.list_versions(model)
    else:
        versions = reg.search(where, model=model, sort=sort)
    if json_out:
        context.emit_json([v.to_dict() for v in versions])
        return
    from gitreg.clients.cli import columns
    from gitreg.clients.cli.render import print_versions

    columns.warn_missing(versions, columns.parse(metrics))
    print_versions(versions, columns.parse(metrics))
