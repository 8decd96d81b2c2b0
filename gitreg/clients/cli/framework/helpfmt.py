"""Help screens in git's manner: UPPERCASE placeholders, no Python types, whole descriptions.

The layout is click's, which gitreg's help had under typer (usage line, text, then Arguments,
Options and Commands as two columns wrapped to the terminal, at most 78 wide); the wrapping
follows click's HelpFormatter (BSD-3-Clause, (c) Pallets) so screens read as before.
"""
from __future__ import annotations

import inspect
import shutil
import textwrap

from gitreg.clients.cli.framework.decl import Context
from gitreg.clients.cli.framework.spec import Command, Param


def width() -> int:
    return max(min(shutil.get_terminal_size().columns, 80) - 2, 50)


def _wrap(text: str, width: int, initial: str = "", subsequent: str = "") -> str:
    return textwrap.TextWrapper(width, initial_indent=initial, subsequent_indent=subsequent,
                                replace_whitespace=False).fill(text.expandtabs())


def _paragraphs(text: str, width: int, indent: str = "") -> str:
    """Each paragraph (blank-line separated) rewrapped, keeping its own indent; one that starts
    with a line of "\\b" alone is kept line for line (click's marker, used by search's grammar)."""
    out = []
    for block in text.expandtabs().split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].strip() == "\b":
            out.append("\n".join(indent + line for line in lines[1:]))
            continue
        own = " " * (len(lines[0]) - len(lines[0].lstrip()))
        joined = " ".join(line.strip() for line in lines)
        out.append(_wrap(joined, width, indent + own, indent + own))
    return "\n\n".join(out)


def _range(param: Param) -> str:
    low, high = param.min, param.max
    if low is not None and high is not None:
        return f"{low}<=x<={high}"
    return f"x>={low}" if low is not None else (f"x<={high}" if high is not None else "")


def _default_note(param: Param) -> str:
    """`[default: X]` when the default says something the help does not already say."""
    notes = []
    default = param.default
    if param.show_default and default not in (None, False, "", [], ()) and not callable(default) \
            and "default" not in param.help.lower():
        notes.append(f"default: {default}")
    if _range(param):
        notes.append(_range(param))
    return f"[{'; '.join(notes)}]" if notes else ""


def option_row(param: Param) -> tuple[str, str]:
    names = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
    if param.takes_value:
        names += f" {param.placeholder()}"
    if param.secondary:
        names += " / " + ", ".join(param.secondary)
    help_ = " ".join(param.help.split())
    note = _default_note(param)
    return names, f"{help_}  {note}".strip() if note else help_


def argument_row(param: Param) -> tuple[str, str]:
    name = param.placeholder()
    if param.nargs == -1 and not name.endswith("..."):
        name += "..."
    return name, " ".join(param.help.split())


def usage(cmd: Command, ctx: Context) -> str:
    if cmd.is_group:
        pieces = ["[OPTIONS]", "COMMAND [ARGS]..."]
    else:
        pieces = ["[OPTIONS]"]
        for param in cmd.params:
            if param.kind == "argument":
                name = argument_row(param)[0]
                pieces.append(name if param.required else f"[{name}]")
    prefix = f"Usage: {ctx.command_path} "
    w = width()
    if w >= len(prefix) + 20:
        return _wrap(" ".join(pieces), w, prefix, " " * len(prefix)) + "\n"
    return prefix + "\n" + _wrap(" ".join(pieces), w, " " * 11, " " * 11) + "\n"


def _dl(title: str, rows: list[tuple[str, str]], w: int) -> str:
    """A section of two columns, as click's write_dl (first column at most 30 wide)."""
    out = [f"{title}:"]
    first_col = min(max(len(first) for first, _ in rows), 30) + 2
    text_width = max(w - first_col - 2, 10)
    for first, second in rows:
        line = f"  {first}"
        if not second:
            out.append(line)
            continue
        lines = _paragraphs(second, text_width).splitlines() or [""]
        if len(first) <= first_col - 2:
            out.append(line + " " * (first_col - len(first)) + lines[0])
        else:
            out.append(line)
            out.append(" " * (first_col + 2) + lines[0])
        out += [" " * (first_col + 2) + rest for rest in lines[1:]]
    return "\n".join(out) + "\n"


def render(cmd: Command, ctx: Context) -> str:
    """The whole help screen of a command or group."""
    w = width()
    parts = [usage(cmd, ctx)]
    if cmd.help:
        parts.append(_paragraphs(inspect.cleandoc(cmd.help).partition("\f")[0], w, "  ") + "\n")
    arguments = [argument_row(p) for p in cmd.params if p.kind == "argument"]
    options = [option_row(p) for p in cmd.params if p.kind == "option" and not p.hidden]
    if arguments:
        parts.append(_dl("Arguments", arguments, w))
    if options:
        parts.append(_dl("Options", options, w))
    if cmd.subcommands is not None:
        rows = [(name, short) for name, (short, hidden) in cmd.subcommands().items() if not hidden]
        if rows:
            parts.append(_dl("Commands", rows, w))
    return "\n".join(parts)
