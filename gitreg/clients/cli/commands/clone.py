from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    url: Annotated[str, Argument(help="Git URL or path of the registry to clone.")],
    path: Annotated[
        Optional[str], Argument(help="Where to put it (default: --registry, else the default registry).")
    ] = None,
) -> None:
    """Make a local registry from a remote one; the remote becomes the sync remote (origin)."""
    from gitreg.api import cloning  # starts git before the registry's imports: they overlap
    from gitreg.core.urls import redact

    target = path if path is not None else (ctx.obj or {}).get("registry")
    registry = context.track(cloning.clone(url, target))
    found = registry.census()  # O(refs) at git's speed; each bad version is reported on stderr
    from gitreg.clients.cli.terminal import plural

    context.say(f"Cloned {redact(url)} into {registry.path}: {plural(found.models, 'model')}, "
                f"{plural(found.versions, 'version')}")
