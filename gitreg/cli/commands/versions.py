from __future__ import annotations

from typing import Annotated

import typer

from .. import context, options


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name.")],
    where: options.Where = None,
    sort: options.Sort = None,
    json_out: options.Json = False,
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
    from ..render import versions_table

    context.out().print(versions_table(versions))
