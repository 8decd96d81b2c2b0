from __future__ import annotations

from typing import Annotated, Optional

import typer

from gitreg.clients.cli import context, options


def run(
    ctx: typer.Context,
    target: Annotated[
        Optional[str], typer.Argument(metavar="MODEL[:VERSION|@ENV]", help="What to check (default: everything).")
    ] = None,
    files: Annotated[
        bool, typer.Option("--files", help="Re-hash local artifact files and compare sha256 and size.")
    ] = False,
    since: Annotated[
        Optional[str], typer.Option("--since", metavar="DATE|REF",
                                    help="Signing was adopted then: objects dated before it may be unsigned "
                                         "(a date, or a ref whose date is taken, e.g. the first signed tag).")
    ] = None,
    json_out: options.Json = False,
) -> None:
    """Check version tags, deployment commits and (with --files) artifacts.

    Signatures are judged by git itself (git verify-tag / verify-commit, with your
    keyring or gpg.ssh.allowedSignersFile). Exits 1 when anything fails.
    """
    from gitreg.clients.cli.progress import hash_progress

    reg = context.registry(ctx)
    with hash_progress() as progress:
        report = reg.verify(target, files=files, progress=progress, since=since)
    if json_out:
        context.emit_json(report.to_dict())
    else:
        from gitreg.clients.cli.render import verify_problems, verify_table

        console = context.out()
        if report.checks:
            console.print(verify_table(report))
        for line in verify_problems(report):
            console.print(line, markup=False, soft_wrap=True, style=None if "skipped (" in line else "red")
        failed = len(report.failures)
        summary = f"{len(report.checks)} checked, {failed} failed"
        if report.signed_since:
            summary += f" (unsigned objects dated before {report.signed_since} accepted)"
        console.print(summary, style="bold red" if failed else "bold green", markup=False)
    if not report.ok:
        raise typer.Exit(1)
