from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    model: Annotated[str, Argument(
        metavar="REF", autocompletion=complete.models,
        help="MODEL (every event), or one version: MODEL VERSION, MODEL:VERSION, MODEL@ENV.")],
    version: Annotated[Optional[str], Argument(
        autocompletion=complete.versions, help="Only this version's events.")] = None,
    json_out: options.Json = False,
) -> None:
    """Every event of a model (or of one version), oldest first, read from git."""
    events = context.registry(ctx).history(model, version)
    if json_out:
        context.emit_json([e.to_dict() for e in events])
        return
    from gitreg.clients.cli.render import history_table

    context.out().print(history_table(events))
