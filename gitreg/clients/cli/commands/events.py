"""`gitreg events`: registry events as JSON lines; `deliveries`, `redeliver`, `watch`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context, Group, Option

app = Group(
    name="events", invoke_without_command=True,
    help="Registry events (what changed) as JSON lines, and their delivery to webhooks (docs/events.md).",
)


def emit_lines(events: list) -> None:
    """One JSON object per line (ensure_ascii: registry text cannot reach a terminal raw)."""
    for event in events:
        sys.stdout.write(json.dumps(event.as_dict(), sort_keys=False) + "\n")
    sys.stdout.flush()


def _read(path: Path) -> bytes:
    from gitreg.core.errors import GitregError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise GitregError(f"cannot read {path}: {exc.strerror}") from None


@app.callback()
def events(
    ctx: Context,
    since: Annotated[Optional[str], Option("--since", metavar="DATE",
                                                 help="Every event at or after DATE (ISO 8601).")] = None,
    stdin: Annotated[bool, Option(
        "--stdin", help="Ref updates on stdin: 'OLD NEW REF' lines, as post-receive gets them.")] = False,
    github_push: Annotated[Optional[Path], Option(
        "--github-push", metavar="FILE", help="A GitHub push event payload ($GITHUB_EVENT_PATH).")] = None,
    gitlab_push: Annotated[Optional[Path], Option("--gitlab-push", metavar="FILE",
                                                        help="A GitLab push event payload.")] = None,
) -> None:
    """Print the events of ref updates as JSON lines (one input: --since, --stdin, --github-push, --gitlab-push)."""
    if ctx.invoked_subcommand is not None:
        return
    from gitreg.core.errors import GitregError

    chosen = [x for x in (since is not None, stdin, github_push is not None, gitlab_push is not None) if x]
    if len(chosen) != 1:
        raise GitregError("give exactly one of --since DATE, --stdin, --github-push FILE, --gitlab-push FILE")
    reg = context.registry(ctx)
    payload = github_push or gitlab_push
    if payload is not None:
        emit_lines(reg.events(push_payload=_read(payload)))
    elif stdin:
        emit_lines(reg.events(lines=sys.stdin))
    else:
        emit_lines(reg.events(since=since))


@app.command("deliver", hidden=True)
def deliver(ctx: Context) -> None:
    """Derive spooled pushes and send their events to the webhooks (what post-receive starts)."""
    context.registry(ctx).deliver_events()


@app.command("deliveries")
def deliveries(
    ctx: Context,
    json_out: Annotated[bool, Option("--json", help="Every attempt as JSON lines.")] = False,
) -> None:
    """What was sent to each webhook, what failed and why (the last attempt per event and webhook)."""
    attempts = context.registry(ctx).deliveries()
    if json_out:
        for a in attempts:
            sys.stdout.write(json.dumps(a) + "\n")
        return
    last: dict[tuple, dict] = {}
    for a in attempts:
        key = (a.get("event"), a.get("webhook"))
        last.pop(key, None)
        last[key] = a  # most recent last, in the order they were last tried
    for a in last.values():
        status = a.get("status") if a.get("status") is not None else "-"
        why = f"  {a.get('error')}" if a.get("error") else ""
        context.say(context.printable(
            f"{str(a.get('event'))[:12]}  {a.get('type')}  {a.get('webhook')}  {a.get('outcome')}"
            f"  attempts={a.get('attempt')}  status={status}  {a.get('time')}{why}"))


@app.command("redeliver")
def redeliver(
    ctx: Context,
    event_id: Annotated[str, Argument(metavar="ID", help="The event's id (or a unique prefix).")],
    webhook: Annotated[Optional[str], Option("--webhook", help="Only this webhook (name or URL).")] = None,
) -> None:
    """Send one event again now, to every webhook that wants it."""
    from gitreg.core.errors import GitregError

    results = context.registry(ctx).redeliver(event_id, webhook)
    for r in results:
        context.say(context.printable(f"{r.webhook}: {r.outcome}" + (f" ({r.error})" if r.error else "")))
    if any(r.outcome != "delivered" for r in results):
        raise GitregError("redelivery failed (see gitreg events deliveries)")


@app.command("watch")
def watch(
    ctx: Context,
    remote: Annotated[Optional[str], Argument(help="The remote to poll (default: the sync remote).")] = None,
    interval: Annotated[float, Option("--interval", min=0.1, help="Seconds between polls.")] = 30.0,
    polls: Annotated[Optional[int], Option(
        "--polls", min=1, help="Stop after this many polls (default: never).")] = None,
) -> None:
    """Poll a remote and print the events of what moved there, as JSON lines (no server hook needed)."""
    for events in context.registry(ctx).watch_events(remote, interval=interval, polls=polls):
        emit_lines(events)
