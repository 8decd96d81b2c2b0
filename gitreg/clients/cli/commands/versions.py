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
    listing = where is None and not sort
    if json_out:
        versions = reg.list_versions(model) if listing else reg.search(where, model=model, sort=sort)
        context.emit_json([v.to_dict() for v in versions])
        return
    # the table shows a few fields of each version: rows (reg.list_rows), not full records
    versions = reg.list_rows(model) if listing else reg.search(where, model=model, sort=sort)
    from gitreg.clients.cli import columns
    from gitreg.clients.cli.render import print_versions

    columns.warn_missing(versions, columns.parse(metrics))
    print_versions(versions, columns.parse(metrics))
