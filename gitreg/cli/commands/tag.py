from __future__ import annotations

from typing import Annotated

import typer

from .. import context


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[str, typer.Argument(help="Version.")],
    tags: Annotated[list[str], typer.Argument(help="Tags to add (or remove with --remove).")],
    remove: Annotated[bool, typer.Option("--remove", "-r", help="Remove the tags.")] = False,
) -> None:
    """Add or remove tags of a version."""
    reg = context.registry(ctx)
    v = reg.remove_tags(model, version, *tags) if remove else reg.add_tags(model, version, *tags)
    context.say(f"{model} {version} tags: {', '.join(v.tags) or '(none)'}")
