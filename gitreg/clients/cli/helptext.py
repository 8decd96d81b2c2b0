"""Help screens in git's manner: UPPERCASE placeholders, no Python types, whole descriptions.

Typer shows `{model}`, `<list[str]>` and a `[default: .]` beside a help text that
already names the default, and cuts command descriptions to fit one line. These
command classes (typer's documented `cls=` extension point) format usage, options
and command lists from the parameters' public attributes instead.
"""
from __future__ import annotations

from typing import Any, Optional

import typer.core

# Placeholders for typer's type labels; an explicit metavar always wins.
_PLACEHOLDERS = {"<int>": "N", "<float>": "NUMBER", "<path>": "PATH", "<str>": "TEXT",
                 "<list[str]>": "TEXT", "<bool>": "BOOL"}


def _placeholder(param: Any, ctx: Any) -> str:
    if param.metavar:
        return param.metavar
    try:
        label = param.display_type(ctx)
    except AttributeError:  # a click-based typer: click's own placeholder (INTEGER, TEXT, PATH)
        try:
            return param.make_metavar(ctx)
        except Exception:
            return "VALUE"
    return _PLACEHOLDERS.get(label, label.strip("<>").upper() or "VALUE")


def _default_note(param: Any, ctx: Any) -> str:
    """`[default: X]` when the default says something the help does not already say."""
    default = param.default
    shown = param.show_default if param.show_default is not None else ctx.show_default
    if not shown or default in (None, False, "", [], ()) or callable(default):
        return ""
    if "default" in (param.help or "").lower():
        return ""
    if isinstance(shown, str):
        return f"[default: {shown}]"
    return f"[default: {default}]"


def _option_record(param: Any, ctx: Any) -> Optional[tuple[str, str]]:
    if getattr(param, "hidden", False):
        return None
    takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
    names = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
    if takes_value:
        names += f" {_placeholder(param, ctx)}" + ("..." if param.nargs not in (1, -1) else "")
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    help_ = " ".join((param.help or "").split())
    note = _default_note(param, ctx)
    return names, f"{help_}  {note}".strip() if note else help_


def _argument_record(param: Any) -> tuple[str, str]:
    name = param.metavar or param.name.upper()
    return name + ("..." if param.nargs == -1 else ""), " ".join((param.help or "").split())


class GitregCommand(typer.core.TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:  # errors then say "Missing argument 'VERSION'", not 'version'
            if param.param_type_name == "argument" and not param.metavar:
                param.metavar = param.name.upper()

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name, _ = _argument_record(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                args.append(_argument_record(param))
            else:
                record = _option_record(param, ctx)
                if record is not None:
                    opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class GitregGroup(typer.core.TyperGroup):
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [self.options_metavar or "[OPTIONS]", self.subcommand_metavar or "COMMAND [ARGS]..."]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        opts = [r for r in (_option_record(p, ctx) for p in self.get_params(ctx)) if r is not None]
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, _summary(cmd)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _summary(cmd: Any) -> str:
    """The first paragraph of a command's help, whole (the terminal wraps it, nothing is cut)."""
    text = cmd.short_help or (cmd.help or "").split("\n\n")[0]
    return " ".join(text.split())
