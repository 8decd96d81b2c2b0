from __future__ import annotations

from typing import Annotated

import typer

from .. import complete, context, options


def run(
    ctx: typer.Context,
    model: options.Model,
    version: Annotated[str, typer.Argument(autocompletion=complete.versions, help="Version.")],
    tags: Annotated[list[str], typer.Argument(help="Tags to add (or remove with --remove).")],
    remove: Annotated[bool, typer.Option("--remove", "-r", help="Remove the tags.")] = False,
) -> None:
    """Add or remove tags of a version."""
    import sys

    from ..terminal import write

    reg = context.registry(ctx)
    before = set(reg.get_version(model, version).tags)
    unchanged = [t for t in dict.fromkeys(tags) if (t in before) != remove]
    for t in unchanged:
        write(f"gitreg: note: {model} {version} {'has no' if remove else 'already has'} tag '{t}'", sys.stderr)
    if len(unchanged) < len(set(tags)):
        v = reg.remove_tags(model, version, *tags) if remove else reg.add_tags(model, version, *tags)
    else:  # nothing to change: no write
        v = reg.get_version(model, version)
    context.say(f"{model} {version} tags: {', '.join(v.tags) or '(none)'}")
