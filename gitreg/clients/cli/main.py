"""Entry point: builds the Typer app and is the one place errors become messages.

Command modules import only typer at load time; pygit2, yaml and rich are
imported inside the commands that need them, so `gitreg --help` stays fast.
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Annotated, Optional

import typer
import typer.main

from gitreg.clients.cli import coercion, complete, context, globalopts
from gitreg.clients.cli.commands import (
    add,
    best,
    card,
    clone,
    compare,
    deploy,
    doctor,
    export_json,
    export_oci,
    get,
    history,
    hook,
    import_json,
    info,
    init,
    lineage,
    meta,
    path,
    pull,
    push,
    remote,
    rollback,
    score,
    search,
    server,
    show,
    sign,
    status,
    tag,
    tree,
    undeploy,
    verify,
    versions,
    web,
)
from gitreg.clients.cli.commands import list as list_cmd
from gitreg.clients.cli.helptext import GitregCommand, GitregGroup

COMMANDS = [
    ("init", init.run), ("add", add.run), ("list", list_cmd.run), ("info", info.run),
    ("versions", versions.run), ("show", show.run), ("card", card.run), ("compare", compare.run),
    ("score", score.run), ("deploy", deploy.run), ("undeploy", undeploy.run),
    ("rollback", rollback.run), ("status", status.run), ("tag", tag.run), ("meta", meta.run),
    ("tree", tree.run), ("lineage", lineage.run), ("history", history.run),
    ("clone", clone.run), ("push", push.run), ("pull", pull.run),
    ("verify", verify.run), ("doctor", doctor.run), ("search", search.run), ("best", best.run),
    ("get", get.run), ("path", path.run), ("sign", sign.run),
    ("import-json", import_json.run), ("export-json", export_json.run),
]
# commands with subcommands (Typer sub-apps)
GROUPS = [("hook", hook.app), ("remote", remote.app), ("web", web.app), ("server", server.app),
          ("export", export_oci.export_app), ("import", export_oci.import_app)]


def _version(value: bool) -> None:
    if value:
        from gitreg import __version__

        print(f"gitreg {__version__}")
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    registry: Annotated[
        Optional[str],
        typer.Option(
            "--registry", "-R", metavar="PATH",
            help="Registry repository (default: $GITREG_REGISTRY, else "
                 "${XDG_DATA_HOME:-~/.local/share}/gitreg/registry.git).",
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Write locally only, even with a sync remote (push later).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """gitreg: a model registry whose only database is git.

    Global options (-R/--registry, --offline) may also follow the command.
    """
    ctx.ensure_object(dict).update(registry=registry, offline=offline)


ALIASES = {"register": "add"}


def invoked(argv: list[str]) -> Optional[str]:
    """The command argv names, when it names a known one after the global options."""
    at = globalopts.command_at(argv)
    if at is None:
        return None
    known = {name for name, _ in COMMANDS} | {name for name, _ in GROUPS} | set(ALIASES)
    return argv[at] if argv[at] in known else None


def build_app(only: Optional[str] = None) -> typer.Typer:
    """The app; with `only`, just that command: typer converts every command's
    signature when it builds the click group, which is most of start-up."""
    app = typer.Typer(
        name="gitreg", cls=GitregGroup, no_args_is_help=True, add_completion=True,
        pretty_exceptions_enable=False, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name, fn in COMMANDS:
        if only in (None, name):
            app.command(name, cls=GitregCommand)(fn)
    for name, group in GROUPS:
        if only in (None, name):
            app.add_typer(group, name=name)
    for alias, target in ALIASES.items():
        if only in (None, alias):
            app.command(alias, help=f"Alias of {target}.", hidden=True, cls=GitregCommand)(dict(COMMANDS)[target])
    return app


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    _stderr(f"gitreg: warning: {message}")


def _stderr(line: str) -> None:
    """One line on stderr; registry text in it (names, values, refs) is escaped for the terminal."""
    from gitreg.clients.cli.terminal import clean

    sys.stderr.write(clean(line) + "\n")  # newlines stay: some errors list their problems


def _usage_error(exc: Exception) -> bool:
    """Typer's parse errors (click's, or typer's vendored click's) carry these two."""
    return hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)


def main(argv: Optional[list[str]] = None) -> int:
    from gitreg.core.errors import GitregError

    warnings.showwarning = _show_warning
    debug = bool(os.environ.get("GITREG_DEBUG"))
    try:
        args = sys.argv[1:] if argv is None else argv
        wanted = complete.requested(args)
        if wanted is not None:
            return complete.run(*wanted)
        typed = complete.typed_before_cursor()  # a TAB: build only the command being completed
        command = typer.main.get_command(build_app(only=invoked(args if typed is None else typed)))
        coercion.install(command)  # no pydantic per parameter (~0.1 s of every command)
        complete.describe(command)
        args = globalopts.hoist(args, command)
        result = command(args=args, prog_name="gitreg", standalone_mode=False)
        problems = context.report_problems()
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        sys.stderr.write("gitreg: aborted\n")
        return 1
    except GitregError as exc:
        if debug:
            raise
        _stderr(f"gitreg: error: {exc}")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("gitreg: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:
        if _usage_error(exc):
            ctx = getattr(exc, "ctx", None)
            message = exc.format_message()
            if not message:  # no arguments: the help was printed
                return exc.exit_code
            if ctx is not None and message.strip() == ctx.get_help().strip():
                sys.stdout.write(message.rstrip("\n") + "\n")  # bare `gitreg`, `gitreg hook`: help, as git
                return 0
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _stderr(f"gitreg: error: {message}{hint}")
            return exc.exit_code
        if debug:  # a bug: say so in one line; GITREG_DEBUG=1 shows the traceback
            raise
        _stderr(
            f"gitreg: internal error: {type(exc).__name__}: {exc} "
            "(run with GITREG_DEBUG=1 for the traceback)"
        )
        return 1
    return result if isinstance(result, int) and result else problems


if __name__ == "__main__":
    sys.exit(main())
