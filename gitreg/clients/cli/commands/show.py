from __future__ import annotations

from typing import Annotated, Optional

import typer

from gitreg.clients.cli import complete, context, options


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(
        metavar="REF", autocompletion=complete.models,
        help="MODEL, MODEL:VERSION, MODEL@ENV or MODEL@latest (or MODEL VERSION).")],
    version: Annotated[Optional[str], typer.Argument(
        autocompletion=complete.versions, help="Version (default: as REF says, else latest).")] = None,
    json_out: options.Json = False,
) -> None:
    """Show everything about one version."""
    v = context.registry(ctx).get_version(model, version)
    if json_out:
        card = v.card
        context.emit_json({**v.to_dict(), "card": card.to_dict() if card is not None else None})
        return
    from gitreg.clients.cli.render import version_detail

    context.out().print(version_detail(v))
