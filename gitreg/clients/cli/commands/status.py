from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    model: options.Ref,
    version: Annotated[Optional[str], Argument(autocompletion=complete.versions, help="Version.")] = None,
    state: Annotated[
        Optional[str], Argument(metavar="STATE", help="draft, training, completed, deprecated or archived.")
    ] = None,
    dry_run: options.DryRun = False,
) -> None:
    """Set a version's status.

    'deployed' is not set by hand: it follows deploy, rollback and undeploy.
    """
    if state is None:  # REF STATE: the one word after a reference is the status
        version, state = None, version
    v = context.registry(ctx).set_status(model, version, state, dry_run=dry_run)
    if dry_run:
        context.show_preview(v)
        return
    context.say(f"{v.model_name} {v.version} is now {v.status.value}")
