from __future__ import annotations

import sys
from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context, Option
from gitreg.clients.cli.terminal import plural, write

LISTED = 20  # a first push of a big registry sends 100,000s of refs: name a few, count the rest


def run(
    ctx: Context,
    remote: Annotated[Optional[str], Argument(help="Remote (default: the sync remote).")] = None,
    model: Annotated[Optional[str], Option("--model", "-m", help="Push only this model.")] = None,
) -> None:
    """Publish local versions, deployments and notes the remote lacks (whole models, atomic, never forced)."""
    from gitreg.clients.cli.render import settled_lines  # imported here: --help loads no rich
    from gitreg.core.errors import SyncConflictError

    report = context.registry(ctx).push(remote, model=model)
    for line in settled_lines(report.settled, report.remote, taken_in=False):
        context.say(line)
    for ref in report.pushed[:LISTED]:
        context.say(f"  {ref}")
    if len(report.pushed) > LISTED:
        context.say(f"  ... and {len(report.pushed) - LISTED:,} more")
    held = sorted({c.model for c in report.conflicts})
    if report.pushed:
        context.say(f"Pushed {plural(len(report.pushed), 'ref')} to {report.remote}")
    elif not held:
        context.say(f"{report.remote} is up to date")
    if report.behind:
        write(f"gitreg: note: {report.remote} has newer {', '.join(report.behind)}: run 'gitreg pull'",
              sys.stderr)
    if held:
        raise SyncConflictError(
            f"not pushed to {report.remote}: {', '.join(held)} (diverged: "
            + ", ".join(c.ref for c in report.conflicts if c.why.startswith(("diverged", "its commit")))
            + "); run 'gitreg pull' to see why" + ("; everything else was pushed" if report.pushed else "")
        )
