"""Shell completion: the scripts bash, zsh and fish source, and the answers gitreg gives them.

The scripts and the protocol are those typer gave gitreg (typer, MIT License, (c) Sebastián
Ramírez; after click's, BSD-3-Clause, (c) Pallets), so installed completions keep working:
`_GITREG_COMPLETE=complete_bash` with COMP_WORDS/COMP_CWORD; complete_zsh and complete_fish
with _TYPER_COMPLETE_ARGS (and _TYPER_COMPLETE_FISH_ACTION=get-args|is-args).
"""
from __future__ import annotations

import inspect
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Callable

from gitreg.clients.cli.framework.decl import Context
from gitreg.clients.cli.framework.spec import Command

BASH = """\
%(func)s() {
    local IFS=$'\\n'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \\
                   COMP_CWORD=$COMP_CWORD \\
                   %(var)s=complete_bash $1 ) )
    return 0
}

complete -o default -F %(func)s %(prog)s"""

ZSH = """\
#compdef %(prog)s

%(func)s() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" %(var)s=complete_zsh %(prog)s)
}

compdef %(func)s %(prog)s"""

FISH = ('complete --command %(prog)s --no-files --arguments "(env %(var)s=complete_fish '
        '_TYPER_COMPLETE_FISH_ACTION=get-args _TYPER_COMPLETE_ARGS=(commandline -cp) %(prog)s)" '
        '--condition "env %(var)s=complete_fish _TYPER_COMPLETE_FISH_ACTION=is-args '
        '_TYPER_COMPLETE_ARGS=(commandline -cp) %(prog)s"')

GLOBAL_WITH_VALUE = ("-R", "--registry")
SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def script(shell: str, prog: str, var: str) -> str:
    return SCRIPTS[shell] % {"func": f"_{prog.replace('-', '_')}_completion", "prog": prog, "var": var}


def install(shell: str, prog: str, var: str) -> Path:
    """Write the script where the shell finds it (and source it from ~/.bashrc / ~/.zshrc)."""
    home = Path.home()
    text = script(shell, prog, var)
    if shell == "bash":
        path = home / ".bash_completions" / f"{prog}.sh"
        _ensure_lines(home / ".bashrc", [f"source '{path}'"])
    elif shell == "zsh":
        path = home / ".zfunc" / f"_{prog}"
        _ensure_lines(home / ".zshrc", ["fpath+=~/.zfunc; autoload -Uz compinit; compinit"])
    else:
        path = home / ".config" / "fish" / "completions" / f"{prog}.fish"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    return path


def _ensure_lines(rc: Path, lines: list[str]) -> None:
    content = rc.read_text() if rc.is_file() else ""
    missing = [line for line in lines if line not in content]
    if missing:
        rc.parent.mkdir(parents=True, exist_ok=True)
        rc.write_text(content + "".join(f"\n{line}" for line in missing) + "\n")


def words(mode: str) -> tuple[list[str], str]:
    """(finished words after the program's name, the word being completed) from the shell's variables."""
    if mode == "complete_bash":
        try:
            parts = shlex.split(os.environ.get("COMP_WORDS", ""))
        except ValueError:
            return [], ""
        try:
            cword = int(os.environ.get("COMP_CWORD", ""))
        except ValueError:
            return parts[1:], ""
        return parts[1:cword], parts[cword] if cword < len(parts) else ""
    raw = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    try:
        parts = shlex.split(raw)[1:]
    except ValueError:
        return [], ""
    if parts and not raw.endswith(" "):
        return parts[:-1], parts[-1]
    return parts, ""


def _call(fn: Callable[..., Any], ctx: Context, incomplete: str) -> list[str]:
    try:
        wanted = len(inspect.signature(fn).parameters)
        found = fn(ctx, incomplete) if wanted >= 2 else fn(incomplete)
        return [str(w) for w in found]
    except Exception:  # completion never fails loudly
        return []


def candidates(root: Command, args: list[str], incomplete: str) -> list[str]:
    """What may come next: subcommands, option names, or the values an argument or option completes."""
    cmd = root
    ctx = top = Context("gitreg", command=root)
    positionals: list[str] = []
    pending = None  # an option waiting for its value
    used: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if pending is not None:
            ctx.params[pending.name] = arg
            pending = None
            continue
        if arg.startswith("-") and arg != "-" and arg != "--":
            name, eq, value = arg.partition("=")
            param = cmd.option(name) or (cmd.option(arg[:2]) if not arg.startswith("--") else None)
            if param is None and name in GLOBAL_WITH_VALUE:  # -R after the command
                top.params["registry"] = value if eq else (args[i] if i < len(args) else "")
                i += 0 if eq else 1
                continue
            if param is None:
                continue
            used.add(param.name)
            if param.flag:
                ctx.params[param.name] = True
            elif eq:
                ctx.params[param.name] = value
            elif not arg.startswith("--") and len(arg) > 2:
                ctx.params[param.name] = arg[2:]
            else:
                pending = param
            continue
        if cmd.is_group:
            sub = cmd.resolve(arg) if cmd.resolve is not None else None
            if sub is None:
                return []
            ctx.invoked_subcommand = arg
            cmd, ctx, used = sub, Context(arg, parent=ctx, command=sub), set()
            continue
        positionals.append(arg)
    if pending is not None:
        return _call(pending.autocompletion, ctx, incomplete) if pending.autocompletion else []
    if incomplete.startswith("-"):
        return [o for p in cmd.params if p.kind == "option" and not p.hidden and (p.multiple or p.name not in used)
                for o in p.opts + p.secondary if o.startswith(incomplete)]
    if cmd.is_group:
        subs = cmd.subcommands() if cmd.subcommands is not None else {}
        return [name for name, (_, hidden) in subs.items() if not hidden and name.startswith(incomplete)]
    arguments = [p for p in cmd.params if p.kind == "argument"]
    for n, param in enumerate(arguments[:len(positionals)]):
        ctx.params[param.name] = positionals[n]
    target = None
    if len(positionals) < len(arguments):
        target = arguments[len(positionals)]
    elif arguments and arguments[-1].nargs == -1:
        target = arguments[-1]
    return _call(target.autocompletion, ctx, incomplete) if target and target.autocompletion else []


def _zsh_escape(s: str) -> str:
    return (s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`")
            .replace(":", r"\\:"))


def answer(root: Command, mode: str) -> int:
    """Print the candidates in the shell's format; fish's is-args answers by exit status."""
    args, incomplete = words(mode)
    found = candidates(root, args, incomplete)
    if mode == "complete_zsh":
        if found:
            listed = "\n".join(f'"{_zsh_escape(w)}"' for w in found)
            sys.stdout.write(f"_arguments '*: :(({listed}))'\n")
        else:
            sys.stdout.write("_files\n")
        return 0
    if mode == "complete_fish" and os.environ.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        return 0 if found else 1
    if found:
        sys.stdout.write("\n".join(found) + "\n")
    return 0
