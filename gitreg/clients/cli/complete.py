"""Shell completion: model names, versions and environments read from the registry.

framework/shell.py calls these while the shell waits for a TAB, with a context parsed leniently
(nothing is run). A registry that cannot be read completes nothing: completion
never prints an error into the user's command line. What is offered is registry
text, so words with control characters are left out.
"""
from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any, Iterable, Optional

if TYPE_CHECKING:
    from gitreg.api.registry import ModelRegistry

SHELLS = ("bash", "zsh", "fish")
LIMIT = 1000  # candidates offered at most


def _words() -> list[str]:
    """The command line being completed, as the shell passed it."""
    words = os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS") or ""
    try:
        return shlex.split(words)
    except ValueError:
        return []


def _registry_arg(ctx: Any) -> Optional[str]:
    """-R/--registry wherever it was typed: before the command (parsed) or after it (raw words)."""
    root = ctx.find_root() if ctx is not None else None
    if root is not None and root.params.get("registry"):
        return root.params["registry"]
    parts = _words()
    for i, word in enumerate(parts[:-1]):
        if word in ("-R", "--registry"):
            return parts[i + 1]
        if word.startswith("--registry="):
            return word.split("=", 1)[1]
    return None


def _open(ctx: Any) -> "ModelRegistry":
    from gitreg.api.registry import ModelRegistry

    return ModelRegistry(_registry_arg(ctx), offline=True)


def _offer(words: Iterable[str], incomplete: str) -> list[str]:
    from gitreg.clients.cli.terminal import clean

    out = []
    for word in words:
        if word.startswith(incomplete) and clean(word, one_line=True) == word and " " not in word:
            out.append(word)
            if len(out) >= LIMIT:
                break
    return out


def models(ctx: Any, incomplete: str) -> list[str]:
    from gitreg.api.completion import model_names  # the ref files alone: no libgit2 per TAB

    try:
        return _offer(model_names(_registry_arg(ctx)), incomplete)
    except Exception:  # completion must never fail loudly
        return []


def versions(ctx: Any, incomplete: str) -> list[str]:
    model = ctx.params.get("model") if ctx is not None else None
    if not model:
        return []
    try:
        return _offer((v.version for v in _open(ctx).list_versions(model)), incomplete)
    except Exception:
        return []


def environments(ctx: Any, incomplete: str) -> list[str]:
    """Environments of the model on the line, else of every model; `production` always."""
    try:
        reg = _open(ctx)
        model = ctx.params.get("model") if ctx is not None else None
        names = [model] if model and reg.has_model(model) else reg.list_models()
        envs = {"production"}
        for name in names[:LIMIT]:
            envs.update(reg.deployments(name))
        return _offer(sorted(envs), incomplete)
    except Exception:
        return []


def shells(incomplete: str) -> list[str]:
    return [s for s in SHELLS if s.startswith(incomplete)]


PROG = "gitreg"
COMPLETE_VAR = "_GITREG_COMPLETE"
FLAGS = ("--show-completion", "--install-completion")


def requested(args: list[str]) -> Optional[tuple[str, Optional[str]]]:
    """(flag, shell) when args ask for the completion script: `--show-completion [bash|zsh|fish]`."""
    for i, arg in enumerate(args):
        if arg in FLAGS:
            shell = args[i + 1] if i + 1 < len(args) else None
            return arg, shell
        if not arg.startswith("-"):
            return None
    return None


def _detect() -> Optional[str]:
    try:
        import shellingham

        name = shellingham.detect_shell()[0]
    except Exception:  # no shell to detect (a pipeline, CI): the user names it
        return None
    return name if name in SHELLS else None


def run(flag: str, shell: Optional[str]) -> int:
    """Print (or install) the completion script for `shell`, else for the shell gitreg runs in."""
    import sys

    from gitreg.clients.cli.framework import shell as scripts
    from gitreg.clients.cli.terminal import write

    if shell is not None and shell not in SHELLS:
        write(f"gitreg: error: no completion for shell {shell!r}: use one of {', '.join(SHELLS)}", sys.stderr)
        return 2
    shell = shell or _detect()
    if shell is None:
        write(f"gitreg: error: cannot tell which shell this is: name it, e.g. 'gitreg {flag} bash'", sys.stderr)
        return 2
    if flag == "--show-completion":
        sys.stdout.write(scripts.script(shell, PROG, COMPLETE_VAR) + "\n")
        return 0
    path = scripts.install(shell, PROG, COMPLETE_VAR)
    write(f"Installed {shell} completion in {path}; it takes effect in a new shell")
    return 0
