"""`gitreg gc`: purge the stored bytes of retired versions by a retention policy (history stays)."""
from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context, Option


def run(
    ctx: Context,
    keep_deployed_days: Annotated[float, Option(
        "--keep-deployed-days", help="Keep the bytes of every version deployed in the last N days.")] = 30,
    keep_last: Annotated[int, Option(
        "--keep-last", help="Keep the bytes of the last K versions of each model.")] = 3,
    older_than_days: Annotated[float, Option(
        "--older-than-days", help="Purge archived/deprecated versions registered more than D days ago.")] = 90,
    dry_run: Annotated[bool, Option("--dry-run", help="Show what would be purged; change nothing.")] = False,
    server_store: Annotated[Optional[str], Option(
        "--server-store", help="Also delete from the LFS server's S3 store: s3://BUCKET/PREFIX/ORG/REPO "
                               "(credentials as boto3 finds them).")] = None,
    s3_endpoint: Annotated[Optional[str], Option(
        "--s3-endpoint", help="The S3 endpoint URL (SeaweedFS, MinIO, ...; default: AWS).")] = None,
    json_out: options.Json = False,
) -> None:
    """Purge local stored bytes of archived/deprecated versions; tagged `keep` and deployed ones stay.

    Each purge is recorded first in the version's note (who, when, why), so show, get and the web
    view say "bytes purged on ...". This registry's LFS store; a Git LFS server cannot be asked to
    delete, so its store only with --server-store (an S3 bucket behind it).
    """
    from gitreg.core.units import human_size

    plan = context.registry(ctx).gc(keep_deployed_days=keep_deployed_days, keep_last=keep_last,
                                    purge_older_than_days=older_than_days, dry_run=dry_run,
                                    server_store=server_store, s3_endpoint=s3_endpoint)
    if json_out:
        context.emit_json({"dry_run": dry_run, "freed_bytes": plan.freed_bytes,
                           "purged": [vars(p) for p in plan.purges], "server_store": plan.server,
                           "server_deleted": plan.server_deleted})
        return
    verb = "would purge" if dry_run else "purged"
    for p in plan.purges:
        context.say(f"  {verb} {p.model}:{p.version} artifacts/{p.path} {human_size(p.size_bytes)}")
    if plan.server is None:
        where = "the LFS server's store is not touched (Git LFS has no delete; see --server-store)"
    elif dry_run:
        where = f"the same objects would be deleted from {plan.server}"
    else:
        where = f"{len(plan.server_deleted)} object(s) deleted from {plan.server}"
    context.say(f"{'Dry run: ' if dry_run else ''}{len(plan.purges)} file(s) {verb}, "
                f"{human_size(plan.freed_bytes)} freed in the local store; {where}")
