"""`gitreg export oci` / `gitreg import oci`: versions as CNCF ModelPack OCI artifacts."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, Context, Group, Option

export_app = Group(name="export", no_args_is_help=True,
                   help="Export a version for other tools (oci: a CNCF ModelPack artifact).")
import_app = Group(name="import", no_args_is_help=True,
                   help="Register a version from another tool's format (oci: a ModelPack artifact).")
PlainHttp = Annotated[bool, Option("--plain-http", help="Reach the registry over plain HTTP (a local one).")]


@export_app.command("oci")
def export_oci(
    ctx: Context,
    ref: Annotated[str, Argument(metavar="REF", help="MODEL:VERSION, MODEL@ENV or MODEL@latest.")],
    target: Annotated[Optional[str], Argument(metavar="REGISTRY/REPO:TAG",
                                                    help="Where to push (with --layout: the tag only).")] = None,
    layout: Annotated[Optional[Path], Option("--layout", metavar="DIR",
                                                   help="Write an OCI image layout into DIR instead.")] = None,
    plain_http: PlainHttp = False,
    quiet: Annotated[bool, Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Push a version as a ModelPack artifact: one raw layer per file (digest = its sha256, nothing
    re-hashed), the ModelPack config, and its OMS signature as a referrer."""
    from gitreg.clients.cli.progress import hash_progress, transfers_shown

    with hash_progress() as progress:
        done = context.registry(ctx).export_oci(ref, target, layout_dir=layout, plain_http=plain_http,
                                                progress=None if quiet else progress,
                                                transfer_progress=transfers_shown(quiet))
    if layout is not None:
        context.say(f"Wrote {ref} as an OCI image layout in {done}")
        return
    signed = f"; OMS signature attached ({done.signature})" if done.signature else ""
    context.say(f"Pushed {ref} to {done.reference} ({done.digest}; {len(done.uploaded)} blob(s) uploaded, "
                f"{len(done.present)} already there{signed})")


@import_app.command("oci")
def import_oci(
    ctx: Context,
    source: Annotated[str, Argument(metavar="REGISTRY/REPO:TAG", help="The ModelPack artifact.")],
    model: Annotated[str, Option("--model", "-m", help="Register it as a version of this model.")],
    version: Annotated[Optional[str], Option("--version", help="Version name (default: next vN).")] = None,
    plain_http: PlainHttp = False,
    ignore_signature: Annotated[bool, Option(
        "--ignore-signature", help="Import even when the artifact's OMS signature does not list exactly "
                                   "its files (the signature is then not kept).")] = False,
) -> None:
    """Register a version from a ModelPack (or Docker Model Runner) artifact, its files stored
    through LFS by digest; an attached OMS signature is kept, and one that does not list exactly
    these files refuses the import."""
    v, pulled = context.registry(ctx).import_oci(model, source, version, plain_http=plain_http,
                                                  ignore_signature=ignore_signature)
    signature = (f", OMS signature kept ({pulled.kept} layout)" if pulled.kept
                 else ", its OMS signature ignored" if pulled.signature else "")
    context.say(f"Registered {v.model_name} {v.version} from {source} ({len(pulled.downloaded)} blob(s) "
                f"downloaded, {len(pulled.present)} already stored{signature})")
