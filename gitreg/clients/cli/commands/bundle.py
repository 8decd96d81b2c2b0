"""`gitreg bundle create|verify|unbundle`: a registry's models and weights carried as one file."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context, Group, Option

app = Group(
    name="bundle", no_args_is_help=True,
    help="Offline transfer: models, deployments, notes and stored files in one checked file.",
)


def _summary(manifest) -> str:
    from gitreg.core.units import human_size

    return (f"{len(manifest.refs)} ref(s) of {', '.join(manifest.models)}; "
            f"{len(manifest.lfs)} stored file(s), {human_size(manifest.lfs_bytes)}")


@app.command("create")
def create(
    ctx: Context,
    file: Annotated[Path, Argument(help="The bundle file to write.")],
    refs: Annotated[Optional[list[str]], Argument(
        help="MODEL (all of it) or MODEL:VERSION / MODEL@ENV (a version and what it builds on); "
             "none: every model.")] = None,
    since: Annotated[Optional[Path], Option(
        "--since", help="An earlier bundle: only what is new since it goes in (incremental).")] = None,
) -> None:
    """Write a bundle: the chosen models' refs as a git bundle, their stored files, a sha256 manifest."""
    manifest = context.registry(ctx).bundle_create(file, refs or [], since=since)
    prereq = f"; builds on {len(manifest.prerequisites)} commit(s) of the earlier bundle" \
        if manifest.prerequisites else ""
    context.say(f"Wrote {file}: {_summary(manifest)}{prereq}")


@app.command("verify")
def verify(
    ctx: Context,
    file: Annotated[Path, Argument(help="The bundle file.")],
) -> None:
    """Check every byte and sha256 of a bundle (nothing is written), and whether this registry
    has what an incremental bundle builds on."""
    from gitreg.core.errors import GitregError

    checked = context.registry(ctx).bundle_verify(file)
    context.say(f"{file}: intact, made {checked.manifest.created_at}: {_summary(checked.manifest)}")
    if checked.missing:
        raise GitregError(f"{file} builds on an earlier bundle: {len(checked.missing)} commit(s) it needs are "
                          "not in this registry; unbundle the earlier one first")


@app.command("unbundle")
def unbundle(
    ctx: Context,
    file: Annotated[Path, Argument(help="The bundle file.")],
) -> None:
    """Import a bundle, checked whole first; refs are integrated as by 'pull' (conflicts per model)."""
    from gitreg.core.errors import SyncConflictError

    done = context.registry(ctx).unbundle(file)
    result = done.integration
    for label, refs in (("new", result.created), ("updated", result.advanced), ("merged", result.merged)):
        for ref in refs:
            context.say(f"  {label:8} {ref}")
    context.say(f"From {file}: {len(result.created)} new, {len(result.advanced)} updated, "
                f"{len(result.merged)} merged; {done.objects_added} stored file(s) added")
    if result.conflicts:
        raise SyncConflictError(done.describe())
