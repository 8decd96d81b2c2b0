from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.context import say
from gitreg.clients.cli.framework import Argument, Context, Option
from gitreg.clients.cli.terminal import plural, write


def run(
    ctx: Context,
    registry_json: Annotated[
        Path, Argument(metavar="REGISTRY_JSON", help="The JSON registry's registry.json.")
    ],
    lineage: Annotated[
        Optional[Path], Option("--lineage", metavar="LINEAGE_JSON", help="Its lineage.json.")
    ] = None,
    dry_run: Annotated[
        bool, Option("--dry-run", help="Check and list what would be written; write nothing.")
    ] = False,
) -> None:
    """Import a JSON registry (registry.json, and lineage.json) with its original times.

    The whole input is checked first: every problem is listed with its JSON path and
    nothing is written. Versions already in the registry with the same content are
    skipped (re-importing changes nothing); with different content they are reported,
    never overwritten. Naive timestamps are UTC.
    """
    from gitreg.clients.cli.progress import step_progress

    with step_progress() as progress:
        report = context.registry(ctx).import_json(registry_json, lineage, dry_run=dry_run, progress=progress)
    for notice in report.notices:
        write(f"gitreg: note: {notice}", sys.stderr)
    counts = [
        plural(report.count("model"), "model"), plural(report.count("version"), "version"),
        plural(report.count("deploy"), "deployment"), plural(report.count("status"), "status note"),
    ]
    unchanged = f"{len(report.unchanged)} already present and unchanged"
    if dry_run:
        say(f"Would import {', '.join(counts)} ({unchanged}); nothing written")
        for step in report.steps:
            say(f"  {step.describe()}")
    elif not report.steps:
        say(f"Nothing to import: {unchanged}")
    else:
        say(f"Imported {', '.join(counts)} ({unchanged})")

