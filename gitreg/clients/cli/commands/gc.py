"""`gitreg gc`: purge the stored bytes of retired versions by a retention policy (history stays)."""
from __future__ import annotations

from typing import Annotated

import typer

from gitreg.clients.cli import context, options


def run(
    ctx: typer.Context,
    keep_deployed_days: Annotated[float, typer.Option(
        "--keep-deployed-days", help="Keep the bytes of every version deployed in the last N days.")] = 30,
    keep_last: Annotated[int, typer.Option(
        "--keep-last", help="Keep the bytes of the last K versions of each model.")] = 3,
    older_than_days: Annotated[float, typer.Option(
        "--older-than-days", help="Purge archived/deprecated versions registered more than D days ago.")] = 90,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be purged; change nothing.")] = False,
    json_out: options.Json = False,
) -> None:
    """Purge local stored bytes of archived/deprecated versions; tagged `keep` and deployed ones stay.

    Each purge is recorded first in the version's note (who, when, why), so show, get and the web
    view say "bytes purged on ...". Only this registry's LFS store: a Git LFS server has no delete.
    """
    from gitreg.core.units import human_size

    plan = context.registry(ctx).gc(keep_deployed_days=keep_deployed_days, keep_last=keep_last,
                                    purge_older_than_days=older_than_days, dry_run=dry_run)
    if json_out:
        context.emit_json({"dry_run": dry_run, "freed_bytes": plan.freed_bytes,
                           "purged": [vars(p) for p in plan.purges]})
        return
    verb = "would purge" if dry_run else "purged"
    for p in plan.purges:
        context.say(f"  {verb} {p.model}:{p.version} artifacts/{p.path} {human_size(p.size_bytes)}")
    context.say(f"{'Dry run: ' if dry_run else ''}{len(plan.purges)} file(s) {verb}, "
                f"{human_size(plan.freed_bytes)} freed in the local store "
                "(the remote's LFS store is not touched)")
