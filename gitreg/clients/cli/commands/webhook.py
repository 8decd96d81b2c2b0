"""`gitreg webhook add|list|remove|test`: webhooks in the registry's git config (docs/events.md)."""
from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context, Group, Option

app = Group(
    name="webhook", no_args_is_help=True,
    help="Webhooks that receive the registry's events (kept in its git config, never in shared history).",
)


@app.command("add")
def add(
    ctx: Context,
    url: Annotated[str, Argument(help="http:// or https:// URL to POST events to.")],
    events: Annotated[Optional[list[str]], Option(
        "--events", help="Event types to send, fnmatch patterns (e.g. 'deployment.*'); repeatable, "
                         "or comma-separated. Default: all.")] = None,
    secret_env: Annotated[Optional[str], Option(
        "--secret-env", metavar="NAME",
        help="Environment variable holding the HMAC secret (where delivery runs).")] = None,
    name: Annotated[Optional[str], Option("--name", help="A name for it (default: from the URL).")] = None,
) -> None:
    """Add (or replace) a webhook."""
    patterns = [p.strip() for item in events or [] for p in item.split(",") if p.strip()]
    hook = context.registry(ctx).add_webhook(url, events=patterns, secret_env=secret_env, name=name)
    context.say(context.printable(f"Added webhook {hook.name} {hook.url}"))


@app.command("list")
def list_(ctx: Context) -> None:
    """The webhooks: name, URL, event patterns, secret variable."""
    for h in context.registry(ctx).webhooks():
        context.say(context.printable(
            f"{h.name}  {h.url}  events={','.join(h.events) or '*'}  secret-env={h.secret_env or '-'}"))


@app.command("remove")
def remove(ctx: Context, which: Annotated[str, Argument(metavar="NAME|URL")]) -> None:
    """Remove a webhook."""
    context.registry(ctx).remove_webhook(which)
    context.say(context.printable(f"Removed webhook {which}"))


@app.command("test")
def test(ctx: Context, which: Annotated[str, Argument(metavar="NAME|URL")]) -> None:
    """Send a `webhook.test` event once and say how the receiver answered."""
    from gitreg.core.errors import GitregError

    result = context.registry(ctx).test_webhook(which)
    if result.outcome != "delivered":
        raise GitregError(f"webhook {result.webhook} did not accept the test event: {result.error}")
    context.say(context.printable(f"webhook {result.webhook}: delivered (HTTP {result.status})"))
