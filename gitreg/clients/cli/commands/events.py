"""`gitreg events`: registry events as JSON lines; `deliveries`, `redeliver`, `watch`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from gitreg.clients.cli import context
from gitreg.clients.cli.helptext import GitregCommand, GitregGroup

app = typer.Typer(
    cls=GitregGroup,
    name="events", invoke_without_command=True, rich_markup_mode=None,
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
    ctx: typer.Context,
    since: Annotated[Optional[str], typer.Option("--since", metavar="DATE",
                                                 help="Every event at or after DATE (ISO 8601).")] = None,
    stdin: Annotated[bool, typer.Option("--stdin", help="Ref updates on stdin: 'OLD NEW REF' lines, as post-receive gets them.")] = False,
    github_push: Annotated[Optional[Path], typer.Option("--github-push", metavar="FILE",
                                                        help="A GitHub push event payload ($GITHUB_EVENT_PATH).")] = None,
    gitlab_push: Annotated[Optional[Path], typer.Option("--gitlab-push", metavar="FILE",
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
