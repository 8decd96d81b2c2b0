from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context, Option


def run(
    ctx: Context,
    model: options.Model,
    description: Annotated[Optional[str], Option(help="Model description.")] = None,
    owner: Annotated[Optional[str], Option(help="Owner.")] = None,
    tag: Annotated[
        Optional[list[str]], Option("--tag", "-t", help="Model tag; repeatable (replaces the list).")
    ] = None,
    notes: Annotated[Optional[str], Option(help="Notes.")] = None,
    json_out: options.Json = False,
) -> None:
    """Show or change a model's metadata."""
    reg = context.registry(ctx)
    if any(x is not None for x in (description, owner, tag, notes)):
        meta = reg.update_metadata(model, description=description, owner=owner, tags=tag, notes=notes)
    else:
        meta = reg.get_metadata(model)
    if json_out:
        context.emit_json(meta.to_dict())
        return
    console = context.out()
    for key, value in meta.to_dict().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        console.print(f"{key}: {shown}", markup=False)
