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
    from gitreg.api import cloning
    from gitreg.clients.cli import clonefirst
    from gitreg.core.urls import redact

    target = path if path is not None else (ctx.obj or {}).get("registry")
    # the clone and its census with git's CLI alone (no pygit2); each bad version and hostile
    # ref is reported on stderr by report_problems, as for a registry. A plain `clone URL
    # [PATH]` line has started git already (clonefirst, before the CLI was imported).
    cloned = context.track(cloning.clone_checked(url, target, started=clonefirst.take(url, target)))
    from gitreg.clients.cli.terminal import plural

    context.say(f"Cloned {redact(url)} into {cloned.path}: {plural(cloned.models, 'model')}, "
                f"{plural(cloned.versions, 'version')}")
