from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, Context, Option


def run(
    ctx: Context,
    ref: Annotated[str, Argument(metavar="REF", help="MODEL:VERSION, MODEL@ENV, MODEL@latest or MODEL.")],
    output: Annotated[
        Optional[Path], Option("--output", "-o", metavar="DIR",
                                     help="Copy the files into DIR/<role>/<name> (default: links in the cache).")
    ] = None,
    role: Annotated[Optional[str], Option("--role", "-r", help="Only the files of this role.")] = None,
    layout: Annotated[
        str, Option("--layout", metavar="gitreg|hf",
                          help="hf: every file at the top of one directory plus a README.md model card "
                               "(what from_pretrained takes); prints the directory.")
    ] = "gitreg",
    quiet: Annotated[bool, Option("--quiet", "-q", help="No progress bars.")] = False,
    json_out: options.Json = False,
) -> None:
    """Fetch a version's files (only those asked for), check every sha256, print their paths.

    Without -o the files are links in a per-version snapshot directory under
    ${XDG_CACHE_HOME:-~/.cache}/gitreg/, so a second get costs nothing. With -o and the
    whole version, an OMS-signed version also gets DIR/model.sig (gitreg sign --oms).
    """
    from gitreg.clients.cli.progress import hash_progress, transfers_shown

    reg = context.registry(ctx)
    with hash_progress() as progress:
        shown = dict(progress=None if quiet else progress, transfer_progress=transfers_shown(quiet))
        if layout != "gitreg":
            paths = [reg.write_layout(ref, output, layout=layout, role=role, **shown)]
        else:
            paths = reg.get_files(ref, output, role, **shown)
            if output is not None and role is None:
                reg.write_oms_signature(ref, output)
    if json_out:
        context.emit_json([str(p) for p in paths])
        return
    for p in paths:
        context.say(str(p))
