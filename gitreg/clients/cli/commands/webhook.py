"""`gitreg webhook add|list|remove|test`: webhooks in the registry's git config (docs/events.md)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from gitreg.clients.cli import context
from gitreg.clients.cli.helptext import GitregCommand, GitregGroup

app = typer.Typer(
    cls=GitregGroup,
    name="webhook", no_args_is_help=True, rich_markup_mode=None,
    help="Webhooks that receive the registry's events (kept in its git config, never in shared history).",
)


@app.command("add", cls=GitregCommand)
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="http:// or https:// URL to POST events to.")],
    events: Annotated[Optional[list[str]], typer.Option(
        "--events", help="Event types to send, fnmatch patterns (e.g. 'deployment.*'); repeatable, "
                         "or comma-separated. Default: all.")] = None,
    secret_env: Annotated[Optional[str], typer.Option(
        "--secret-env", metavar="NAME",
        help="Environment variable holding the HMAC secret (where delivery runs).")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="A name for it (default: from the URL).")] = None,
) -> None:
    """Add (or replace) a webhook."""
    patterns = [p.strip() for item in events or [] for p in item.split(",") if p.strip()]
    hook = context.registry(ctx).add_webhook(url, events=patterns, secret_env=secret_env, name=name)
    context.say(context.printable(f"Added webhook {hook.name} {hook.url}"))


@app.command("list", cls=GitregCommand)
def list_(ctx: typer.Context) -> None:
    """The webhooks: name, URL, event patterns, secret variable."""
    for h in context.registry(ctx).webhooks():
        context.say(context.printable(
            f"{h.name}  {h.url}  events={','.join(h.events) or '*'}  secret-env={h.secret_env or '-'}"))


@app.command("remove", cls=GitregCommand)
def remove(ctx: typer.Context, which: Annotated[str, typer.Argument(metavar="NAME|URL")]) -> None:
    """Remove a webhook."""
    context.registry(ctx).remove_webhook(which)
    context.say(context.printable(f"Removed webhook {which}"))


@app.command("test", cls=GitregCommand)
def test(ctx: typer.Context, which: Annotated[str, typer.Argument(metavar="NAME|URL")]) -> None:
    """Send a `webhook.test` event once and say how the receiver answered."""
    from gitreg.core.errors import GitregError

    result = context.registry(ctx).test_webhook(which)
    if result.outcome != "delivered":
        raise GitregError(f"webhook {result.webhook} did not accept the test event: {result.error}")
    context.say(context.printable(f"webhook {result.webhook}: delivered (HTTP {result.status})"))
