from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import context


def run(
    ctx: typer.Context,
    registry_json: Annotated[
        Path, typer.Argument(metavar="REGISTRY_JSON", help="The JSON registry's registry.json.")
    ],
    lineage: Annotated[
        Optional[Path], typer.Option("--lineage", metavar="LINEAGE_JSON", help="Its lineage.json.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and list what would be written; write nothing.")
    ] = False,
) -> None:
    """Import a JSON registry (registry.json, and lineage.json) with its original times.

    The whole input is checked first: every problem is listed with its JSON path and
    nothing is written. Versions already in the registry with the same content are
    skipped (re-importing changes nothing); with different content they are reported,
    never overwritten. Naive timestamps are UTC.
    """
    from ..progress import step_progress

    with step_progress() as progress:
        report = context.registry(ctx).import_json(registry_json, lineage, dry_run=dry_run, progress=progress)
    for notice in report.notices:
        sys.stderr.write(f"gitreg: note: {notice}\n")
    counts = [
        _plural(report.count("model"), "model"), _plural(report.count("version"), "version"),
        _plural(report.count("deploy"), "deployment"), _plural(report.count("status"), "status note"),
    ]
    unchanged = f"{len(report.unchanged)} already present and unchanged"
    if dry_run:
        print(f"Would import {', '.join(counts)} ({unchanged}); nothing written")
        for step in report.steps:
            print(f"  {step.describe()}")
    elif not report.steps:
        print(f"Nothing to import: {unchanged}")
    else:
        print(f"Imported {', '.join(counts)} ({unchanged})")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
