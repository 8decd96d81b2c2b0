from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, BadParameter, Context, Option


def run(
    ctx: Context,
    model: options.Ref,
    version: Annotated[Optional[str], Argument(autocompletion=complete.versions, help="Version.")] = None,
    tags: Annotated[Optional[list[str]],
                    Argument(metavar="TAGS...", help="Tags to add (or remove with --remove).")] = None,
    remove: Annotated[bool, Option("--remove", "-r", help="Remove the tags.")] = False,
) -> None:
    """Add or remove tags of a version."""
    import sys

    from gitreg.clients.cli.terminal import write
    from gitreg.core.references import is_reference

    tags = list(tags or [])
    if version is not None and is_reference(model):  # REF TAG...: the words after a reference are tags
        version, tags = None, [version, *tags]
    if not tags:
        raise BadParameter("give at least one tag")
    reg = context.registry(ctx)
    registered = reg.get_version(model, version)  # resolved once: what @ENV names now
    model, version, before = registered.model_name, registered.version, set(registered.tags)
    unchanged = [t for t in dict.fromkeys(tags) if (t in before) != remove]
    for t in unchanged:
        write(f"gitreg: note: {model} {version} {'has no' if remove else 'already has'} tag '{t}'", sys.stderr)
    if len(unchanged) < len(set(tags)):
        v = reg.remove_tags(model, version, *tags) if remove else reg.add_tags(model, version, *tags)
    else:  # nothing to change: no write
        v = reg.get_version(model, version)
    context.say(f"{model} {version} tags: {', '.join(v.tags) or '(none)'}")
