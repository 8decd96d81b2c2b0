from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context, Option


def run(
    ctx: Context,
    ref: Annotated[str, Argument(metavar="REF", help="MODEL:VERSION, MODEL@ENV, MODEL@latest or MODEL.")],
    role: Annotated[Optional[str], Option("--role", "-r", help="The file's role (gguf, lora, ...).")] = None,
    name: Annotated[
        Optional[str], Option("--name", "-n", help="The file's name, when the role has several.")
    ] = None,
    quiet: Annotated[bool, Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Print the local path of one file of a version, fetching it if needed.

    For serving scripts: llama-server -m "$(gitreg path majora@production --role gguf)"
    """
    from gitreg.clients.cli.progress import hash_progress, transfers_shown

    with hash_progress() as progress:
        path = context.registry(ctx).file_path(
            ref, role, name=name, progress=None if quiet else progress, transfer_progress=transfers_shown(quiet))
    context.say(str(path))
