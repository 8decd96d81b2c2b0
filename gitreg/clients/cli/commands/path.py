from __future__ import annotations

from typing import Annotated, Optional

import typer

from gitreg.clients.cli import context


def run(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="MODEL:VERSION, MODEL@ENV, MODEL@latest or MODEL.")],
    role: Annotated[Optional[str], typer.Option("--role", "-r", help="The file's role (gguf, lora, ...).")] = None,
    name: Annotated[
        Optional[str], typer.Option("--name", "-n", help="The file's name, when the role has several.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Print the local path of one file of a version, fetching it if needed.

    For serving scripts: llama-server -m "$(gitreg path majora@production --role gguf)"
    """
    from gitreg.clients.cli.progress import hash_progress, transfers_shown

    with hash_progress() as progress:
        path = context.registry(ctx).file_path(
            ref, role, name=name, progress=None if quiet else progress, transfer_progress=transfers_shown(quiet))
    context.say(str(path))
