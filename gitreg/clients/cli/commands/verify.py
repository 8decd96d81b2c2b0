from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, BadParameter, Context, Exit, Option


def run(
    ctx: Context,
    target: Annotated[
        Optional[str], Argument(metavar="MODEL[:VERSION|@ENV]", help="What to check (default: everything).")
    ] = None,
    files: Annotated[
        bool, Option("--files", help="Re-hash local artifact files and compare sha256 and size.")
    ] = False,
    oms: Annotated[bool, Option("--oms", help="Check the version's OpenSSF model signing signature.")] = False,
    public_key: Annotated[Optional[Path], Option("--public-key", metavar="KEY.pub",
                                                       help="--oms: the signer's public key (PEM).")] = None,
    chain: Annotated[Optional[list[Path]], Option("--certificate-chain", metavar="PEM",
                                                        help="--oms: certificates up to the root; repeatable.")] = None,
    since: Annotated[
        Optional[str], Option("--since", metavar="DATE|REF",
                                    help="Signing was adopted then: objects dated before it may be unsigned "
                                         "(a date, or a ref whose date is taken, e.g. the first signed tag).")
    ] = None,
    json_out: options.Json = False,
    policy: Annotated[
        bool, Option("--policy", help="Re-judge every deployment and approval by the policy in force at its time.")
    ] = False,
) -> None:
    """Check version tags, deployment commits and (with --files) artifacts.

    Signatures are judged by git itself (git verify-tag / verify-commit, with your
    keyring or gpg.ssh.allowedSignersFile). Exits 1 when anything fails.
    """
    from gitreg.clients.cli.progress import hash_progress

    reg = context.registry(ctx)
    if oms:
        return _oms(reg, target, public_key, chain or [], json_out)
    if policy:
        return _policy(reg, json_out)
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
        raise Exit(1)


def _oms(reg, target: Optional[str], public_key: Optional[Path], chain: list[Path], json_out: bool) -> None:
    """verify --oms: each stored OMS signature (one per layout) checked with the key."""
    if target is None:
        raise BadParameter("--oms checks one version: name it (MODEL:VERSION)")
    checks = reg.verify_oms(target, public_key=public_key, chain=chain)
    if json_out:
        context.emit_json([{"layout": c.layout, "ok": c.ok, "problem": c.problem} for c in checks])
    else:
        for c in checks:
            verdict = "OK" if c.ok else f"FAILED: {context.printable(c.problem)}"
            context.say(f"OMS signature ({c.layout} layout): {verdict}")
    if not all(c.ok for c in checks):
        raise Exit(1)


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
        raise Exit(1)
