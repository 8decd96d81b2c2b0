from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context, Option


def run(
    ctx: Context,
    remote: Annotated[Optional[str], Argument(help="Remote (default: the sync remote).")] = None,
    take_remote: Annotated[
        bool, Option("--take-remote",
                           help="Resolve conflicts with the remote's side; yours is kept under refs/gitreg/saved/."),
    ] = False,
    model: Annotated[Optional[str], Option("--model", "-m", help="Pull only this model.")] = None,
) -> None:
    """Fetch and integrate every gitreg ref of a remote; conflicts are reported, both sides kept."""
    from gitreg.clients.cli.render import settled_lines  # imported here: --help loads no rich
    from gitreg.core.errors import SyncConflictError

    result = context.registry(ctx).pull(remote, take_remote=take_remote, model=model)
    for label, refs in (("new", result.created), ("updated", result.advanced), ("merged", result.merged)):
        for ref in refs:
            context.say(f"  {label:8} {ref}")
    for line in settled_lines(result.settled, result.remote, taken_in=True):
        context.say(line)
    for ref, kept in result.saved.items():
        context.say(f"  took     {ref} from {result.remote}; yours is kept at {kept}")
    context.say(
        f"From {result.remote}: {len(result.created)} new, {len(result.advanced)} updated, "
        f"{len(result.merged)} merged" + (f", {len(result.ahead)} to push" if result.ahead else "")
    )
    if result.conflicts:
        raise SyncConflictError(result.describe())
