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
    json_out: options.Json = False,
    policy: Annotated[
        bool, typer.Option("--policy", help="Re-judge every deployment and approval by the policy in force at its time.")
    ] = False,
) -> None:
    """Check version tags, deployment commits and (with --files) artifacts.

    Signatures are judged by git itself (git verify-tag / verify-commit, with your
    keyring or gpg.ssh.allowedSignersFile). Exits 1 when anything fails.
    """
    from gitreg.clients.cli.progress import hash_progress

    reg = context.registry(ctx)
    if policy:
        return _policy(reg, json_out)
    with hash_progress() as progress:
        report = reg.verify(target, files=files, progress=progress)
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
        console.print(summary, style="bold red" if failed else "bold green", markup=False)
    if not report.ok:
        raise typer.Exit(1)


def _policy(reg, json_out: bool) -> None:
    """`verify --policy`: each violation one line; exit 1 when there is any."""
    violations = reg.verify_policy()
    if json_out:
        context.emit_json({"ok": not violations, "violations": violations})
    else:
        console = context.out()
        for line in violations:
            console.print(context.printable(line), markup=False, soft_wrap=True, style="red")
        console.print(f"{len(violations)} policy violations", markup=False,
                      style="bold red" if violations else "bold green")
    if violations:
        raise typer.Exit(1)
