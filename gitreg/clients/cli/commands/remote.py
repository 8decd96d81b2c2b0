"""`gitreg remote add|remove|list`: the registry's git remotes and which one writes sync to."""
from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, Context, Group, Option

app = Group(
    name="remote", help="Manage the registry's remotes (any git URL: path, git://, ssh, https).",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: Context,
    name: Annotated[str, Argument(help="Remote name, e.g. origin.")],
    url: Annotated[str, Argument(help="Git URL or path of a bare repository.")],
    sync: Annotated[
        Optional[bool],
        Option("--sync/--no-sync",
                     help="Publish every write here first (default: when no sync remote is set yet)."),
    ] = None,
) -> None:
    """Add a remote."""
    from gitreg.core.urls import redact

    info = context.registry(ctx).add_remote(name, url, sync=sync)
    sync_note = " (sync: writes are published here)" if info.sync else ""
    context.say(f"Added remote {info.name} {redact(info.url)}{sync_note}")


@app.command("remove")
def remove(ctx: Context, name: Annotated[str, Argument(help="Remote name.")]) -> None:
    """Remove a remote (its refs on the server are not touched)."""
    context.registry(ctx).remove_remote(name)
    context.say(f"Removed remote {name}")


@app.command("list")
def list_(ctx: Context, json: options.Json = False) -> None:
    """List remotes; the sync remote is marked."""
    from gitreg.core.urls import redact

    found = context.registry(ctx).remotes()
    if json:
        context.emit_json([{"name": r.name, "url": redact(r.url), "sync": r.sync} for r in found])
        return
    for r in found:
        context.say(f"{r.name}\t{redact(r.url)}" + ("\t(sync)" if r.sync else ""))
