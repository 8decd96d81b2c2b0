from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from .. import context
from ..terminal import plural, write


def run(
    ctx: typer.Context,
    remote: Annotated[Optional[str], typer.Argument(help="Remote (default: the sync remote).")] = None,
) -> None:
    """Publish local versions, deployments and notes the remote lacks (atomic, never forced)."""
    from gitreg.errors import SyncConflictError

    report = context.registry(ctx).push(remote)
    for ref in report.pushed:
        context.say(f"  {ref}")
    context.say(f"Pushed {plural(len(report.pushed), 'ref')} to {report.remote}" if report.pushed
                else f"{report.remote} is up to date")
    if report.behind:
        write(f"gitreg: note: {report.remote} has newer {', '.join(report.behind)}: run 'gitreg pull'",
              sys.stderr)
    if report.conflicts:
        raise SyncConflictError(
            "not pushed, diverged from " + report.remote + ": "
            + ", ".join(c.ref for c in report.conflicts) + " (run 'gitreg pull' to see why)"
        )
