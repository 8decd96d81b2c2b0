from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Context, Option


def run(
    ctx: Context,
    output: Annotated[
        Optional[Path],
        Option("--output", "-o", metavar="FILE", help="Write registry.json here (default: stdout)."),
    ] = None,
    lineage_out: Annotated[
        Optional[Path], Option("--lineage-out", metavar="FILE", help="Also write lineage.json here.")
    ] = None,
) -> None:
    """Export the registry as the JSON registry's registry.json (and lineage.json).

    Current scores, statuses, tags, notes and deployed flags; importing the output
    into an empty registry reproduces this one.
    """
    registry_doc, _ = context.registry(ctx).export_json(output, lineage_out)
    if output is None:
        context.emit_json(registry_doc)
