"""Entry point: finds the one command being run, and is the one place errors become messages.

Only the module of the command named on the line is imported (a name -> module table below);
`gitreg --help` lists every command from the table's one-line helps, importing none of them
(tests/clients/cli/test_interface.py checks the table against the commands' docstrings).
Command modules import only gitreg.clients.cli.framework at load time; pygit2, yaml and rich
are imported inside the commands that need them. This module itself loads only the framework's
declarations until `main` runs: a plain `gitreg clone URL [PATH]` starts git first
(clonefirst.py), before the parser and its imports.
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING, Annotated, Any, Optional

from gitreg.clients.cli.framework import Abort, Context, Exit, Option, UsageError

if TYPE_CHECKING:
    from gitreg.clients.cli.framework import spec

# name -> module in gitreg.clients.cli.commands (its `run`), in the order help lists them
COMMANDS = [
    ("init", "init"), ("add", "add"), ("list", "list"), ("info", "info"), ("versions", "versions"),
    ("show", "show"), ("card", "card"), ("compare", "compare"), ("score", "score"), ("deploy", "deploy"),
    ("undeploy", "undeploy"), ("rollback", "rollback"), ("status", "status"), ("tag", "tag"), ("meta", "meta"),
    ("tree", "tree"), ("lineage", "lineage"), ("history", "history"), ("clone", "clone"), ("push", "push"),
    ("pull", "pull"), ("verify", "verify"), ("doctor", "doctor"), ("search", "search"), ("best", "best"),
    ("get", "get"), ("path", "path"), ("sign", "sign"), ("gc", "gc"), ("du", "du"),
    ("import-json", "import_json"), ("export-json", "export_json"), ("approve", "approve"),
]
# commands with subcommands: name -> (module, its framework.Group)
GROUPS = [
    ("hook", "hook:app"), ("remote", "remote:app"), ("web", "web:app"), ("server", "server:app"),
    ("export", "export_oci:export_app"), ("import", "export_oci:import_app"), ("events", "events:app"),
    ("webhook", "webhook:app"), ("bundle", "bundle:app"), ("policy", "policy:app"),
]
ALIASES = {"register": "add"}  # hidden

# The first paragraph of each command's help, for `gitreg --help` without importing 43 modules.
SUMMARIES = {
    "init": "Create the registry (a bare git repository) if missing.",
    "add": "Register a new version of MODEL (alias: register).",
    "list": "List every model and its versions (● deployed, ○ not).",
    "info": "Show a model: metadata, deployments and versions.",
    "versions": "List the versions of a model, oldest first (natural order), or those matching --where.",
    "show": "Show everything about one version.",
    "card": "Print the model card (README.md) of a version.",
    "compare": "Compare versions' metrics and training parameters side by side; * marks the best per row.",
    "score": "Record new evaluation scores for a version.",
    "deploy": "Deploy a version to an environment.",
    "undeploy": "Take a model out of an environment.",
    "rollback": "Roll an environment back to an earlier version.",
    "status": "Set a version's status.",
    "tag": "Add or remove tags of a version.",
    "meta": "Show or change a model's metadata.",
    "tree": "Draw the version tree of a model (from commit parentage).",
    "lineage": "Show ancestors, descendants, training data and code commits.",
    "history": "Every event of a model (or of one version), oldest first, read from git.",
    "clone": "Make a local registry from a remote one; the remote becomes the sync remote (origin).",
    "push": "Publish local versions, deployments and notes the remote lacks (whole models, atomic, never forced).",
    "pull": "Fetch and integrate every gitreg ref of a remote; conflicts are reported, both sides kept.",
    "verify": "Check version tags, deployment commits and (with --files) artifacts.",
    "doctor": "Find what a crash or a plain-git mistake left (stale locks, temporary objects, "
              "half-registered versions); --repair fixes it, only appending to history.",
    "search": "Find versions across every model (or one) with the query language.",
    "best": "The best version of a model by a metric, among those matching --where.",
    "get": "Fetch a version's files (only those asked for), check every sha256, print their paths.",
    "path": "Print the local path of one file of a version, fetching it if needed.",
    "sign": "Sign a version for the wider supply chain, from its manifest's sha256 values (no weights read).",
    "gc": "Purge local stored bytes of archived/deprecated versions; tagged `keep` and deployed ones stay.",
    "du": "Stored bytes per model, version and role; totals count a file shared by versions or models once.",
    "import-json": "Import a JSON registry (registry.json, and lineage.json) with its original times.",
    "export-json": "Export the registry as the JSON registry's registry.json (and lineage.json).",
    "approve": "Approve a version for an environment: a signed, append-only record "
               "(refs/gitreg/approvals/MODEL).",
    "hook": "Register versions from a training repository's commits (.gitreg.yaml, post-commit hook).",
    "remote": "Manage the registry's remotes (any git URL: path, git://, ssh, https).",
    "web": "Look at the registry in a browser: a static site or a local server.",
    "server": "Server side of a shared registry: install and run gitreg's pre-receive and post-receive hooks.",
    "export": "Export a version for other tools (oci: a CNCF ModelPack artifact).",
    "import": "Register a version from another tool's format (oci: a ModelPack artifact).",
    "events": "Registry events (what changed) as JSON lines, and their delivery to webhooks (docs/events.md).",
    "webhook": "Webhooks that receive the registry's events (kept in its git config, never in shared history).",
    "bundle": "Offline transfer: models, deployments, notes and stored files in one checked file.",
    "policy": "The registry's policy: who may sign, register, approve and deploy where (docs/policy.md).",
}


def _version(value: bool) -> None:
    if value:
        from gitreg import __version__

        print(f"gitreg {__version__}")
        raise Exit()


NO_CACHE_ENV = "GITREG_NO_CACHE"  # read by gitreg/git/cache/cache.py: no derived cache at all


def _root(
    ctx: Context,
    registry: Annotated[
        Optional[str],
        Option(
            "--registry", "-R", metavar="PATH",
            help="Registry repository (default: $GITREG_REGISTRY, else "
                 "${XDG_DATA_HOME:-~/.local/share}/gitreg/registry.git).",
        ),
    ] = None,
    offline: Annotated[
        bool, Option("--offline", help="Write locally only, even with a sync remote (push later).")
    ] = False,
    no_cache: Annotated[
        bool, Option("--no-cache", help="Answer from the git objects alone, reading and writing no "
                                        "derived cache (also GITREG_NO_CACHE=1).")
    ] = False,
    version: Annotated[
        bool, Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    install_completion: Annotated[  # answered by complete.requested before parsing; listed in help
        Optional[bool],
        Option("--install-completion", help="Install completion for bash, zsh or fish (default: this shell)."),
    ] = None,
    show_completion: Annotated[
        Optional[bool],
        Option("--show-completion", help="Print the completion script for bash, zsh or fish (default: this shell)."),
    ] = None,
) -> None:
    """gitreg: a model registry whose only database is git.

    Global options (-R/--registry, --offline, --no-cache) may also follow the command.
    """
    ctx.ensure_object(dict).update(registry=registry, offline=offline)
    if no_cache and not os.environ.get(NO_CACHE_ENV):  # for this command only (main() may run again)
        os.environ[NO_CACHE_ENV] = "1"
        ctx.call_on_close(lambda: os.environ.pop(NO_CACHE_ENV, None))


def invoked(argv: list[str]) -> Optional[str]:
    """The command argv names, when it names a known one after the global options."""
    from gitreg.clients.cli import globalopts

    at = globalopts.command_at(argv)
    if at is None:
        return None
    known = {name for name, _ in COMMANDS} | {name for name, _ in GROUPS} | set(ALIASES)
    return argv[at] if argv[at] in known else None


def load(name: str) -> Optional[spec.Command]:
    """The command called `name`, importing its module alone."""
    import importlib

    from gitreg.clients.cli.framework import spec

    target = ALIASES.get(name, name)
    where = dict(COMMANDS).get(target)
    attr = "run"
    if where is None:
        if target not in dict(GROUPS):
            return None
        where, attr = dict(GROUPS)[target].split(":")
    obj: Any = getattr(importlib.import_module(f"gitreg.clients.cli.commands.{where}"), attr)
    if attr != "run":
        return spec.group(obj)
    if name in ALIASES:
        return spec.command(name, obj, hidden=True, help=f"Alias of {target}.")
    return spec.command(name, obj)


def root() -> spec.Command:
    """gitreg itself: its global options, and every command by name (loaded when named)."""
    from gitreg.clients.cli.framework import spec

    params, ctx_arg = spec.params_of(_root)
    loaded: dict[str, Optional[spec.Command]] = {}

    def resolve(name: str) -> Optional[spec.Command]:
        if name not in loaded:
            loaded[name] = load(name)
        return loaded[name]

    def subcommands() -> dict[str, tuple[str, bool]]:
        listed = {name: (SUMMARIES[name], False) for name, _ in COMMANDS + GROUPS}
        return {**listed, **{alias: (f"Alias of {target}.", True) for alias, target in ALIASES.items()}}

    return spec.Command(name="gitreg", help=_root.__doc__ or "", params=params + [spec.help_param()], fn=_root,
                        ctx_arg=ctx_arg, subcommands=subcommands, resolve=resolve, no_args_is_help=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    _stderr(f"gitreg: warning: {message}")


def _stderr(line: str) -> None:
    """One line on stderr; registry text in it (names, values, refs) is escaped for the terminal."""
    from gitreg.clients.cli.terminal import clean

    sys.stderr.write(clean(line) + "\n")  # newlines stay: some errors list their problems


def _dashed_name(exc: UsageError, args: list[str]) -> Optional[str]:
    """`gitreg add -lora2` reads as the options -l -o ...: name the word typed, and why it
    cannot be a name, instead of "No such option: -l"."""
    option = exc.option_name
    if not isinstance(option, str) or option.startswith("--"):
        return None
    word = next((a for a in args if a.startswith(option) and len(a) > 2 and not a.startswith("--")), None)
    if word is None:
        return None
    return (f"no such option: {word} (model names, versions and environments start with a letter "
            "or digit; a value that starts with '-' is given as --option=VALUE)")


def main(argv: Optional[list[str]] = None) -> int:
    from gitreg.clients.cli import clonefirst

    args = sys.argv[1:] if argv is None else argv
    clonefirst.start(args)  # `gitreg clone URL [PATH]`: git transfers while the rest is imported
    try:
        return _main(args)
    finally:
        clonefirst.drop()  # a clone no command took over (a usage error, an interrupt) leaves nothing


def _main(args: list[str]) -> int:
    from gitreg.clients.cli import complete, context, globalopts
    from gitreg.clients.cli.framework import parser
    from gitreg.core.errors import GitregError

    warnings.showwarning = _show_warning
    debug = bool(os.environ.get("GITREG_DEBUG"))
    try:
        wanted = complete.requested(args)
        if wanted is not None:
            return complete.run(*wanted)
        command = root()
        mode = os.environ.get(complete.COMPLETE_VAR)
        if mode:  # a TAB: the shell asks what may come next
            from gitreg.clients.cli.framework import shell

            return shell.answer(command, mode)
        args = globalopts.hoist(args, command)
        ctx = Context("gitreg", command=command)
        try:
            result = parser.invoke(command, args, ctx)
        finally:
            ctx.close()
            context.report_created()
        problems = context.report_problems()
    except Exit as exc:
        return exc.exit_code
    except Abort:
        sys.stderr.write("gitreg: aborted\n")
        return 1
    except UsageError as exc:
        message = _dashed_name(exc, args) or exc.format_message()
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        _stderr(f"gitreg: error: {message}{hint}")
        return exc.exit_code
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
