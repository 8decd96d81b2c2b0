"""What command modules declare: options, arguments, sub-command groups, and the run-time context.

Cheap to import on purpose (every command imports it): plain classes, no typing introspection here.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Optional


class Option:
    """An option of a command parameter: `Annotated[int, Option("--port", "-p", min=0)]`."""

    kind = "option"

    def __init__(self, *decls: str, help: Optional[str] = None, metavar: Optional[str] = None,
                 show_default: Optional[bool] = None, autocompletion: Optional[Callable[..., Any]] = None,
                 min: Optional[float] = None, max: Optional[float] = None,
                 callback: Optional[Callable[[Any], Any]] = None, is_eager: bool = False,
                 hidden: bool = False) -> None:
        self.decls = decls
        self.help = help
        self.metavar = metavar
        self.show_default = show_default
        self.autocompletion = autocompletion
        self.min = min
        self.max = max
        self.callback = callback
        self.is_eager = is_eager
        self.hidden = hidden


class Argument:
    """A positional argument: `Annotated[str, Argument(help="Model name.")]`."""

    kind = "argument"

    def __init__(self, *, help: Optional[str] = None, metavar: Optional[str] = None,
                 autocompletion: Optional[Callable[..., Any]] = None) -> None:
        self.help = help
        self.metavar = metavar
        self.autocompletion = autocompletion


class Group:
    """A command with subcommands (`gitreg hook install`): declared here, parsed by framework.parser."""

    def __init__(self, name: str, help: Optional[str] = None, no_args_is_help: bool = False,
                 invoke_without_command: bool = False) -> None:
        self.name = name
        self.help = help
        self.no_args_is_help = no_args_is_help
        self.invoke_without_command = invoke_without_command
        self.commands: dict[str, tuple[Callable[..., Any], bool]] = {}  # name -> (function, hidden)
        self.callback_fn: Optional[Callable[..., Any]] = None

    def command(self, name: str, hidden: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.commands[name] = (fn, hidden)
            return fn
        return register

    def callback(self) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.callback_fn = fn
            return fn
        return register


class Context:
    """The command being run: its parameters' values, the root's `obj`, things to do at the end."""

    def __init__(self, info_name: str, parent: Optional["Context"] = None, command: Any = None) -> None:
        self.info_name = info_name
        self.parent = parent
        self.command = command
        self.obj: Any = parent.obj if parent is not None else None
        self.params: dict[str, Any] = {}
        self.invoked_subcommand: Optional[str] = None
        self._on_close: list[Callable[[], Any]] = []

    @property
    def command_path(self) -> str:
        return f"{self.parent.command_path} {self.info_name}" if self.parent is not None else self.info_name

    def find_root(self) -> "Context":
        ctx = self
        while ctx.parent is not None:
            ctx = ctx.parent
        return ctx

    def ensure_object(self, kind: type) -> Any:
        if not isinstance(self.obj, kind):
            self.obj = kind()
        return self.obj

    def call_on_close(self, fn: Callable[[], Any]) -> Callable[[], Any]:
        self.find_root()._on_close.append(fn)
        return fn

    def close(self) -> None:
        while self._on_close:
            self._on_close.pop()()


class Exit(Exception):
    """End the command with this exit status, saying nothing."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.exit_code = code


class Abort(Exception):
    """The user said no (or closed stdin) at a question."""


class UsageError(Exception):
    """The command line is wrong: one line on stderr, exit status 2."""

    exit_code = 2

    def __init__(self, message: str, ctx: Optional[Context] = None, option_name: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.ctx = ctx
        self.option_name = option_name  # an unknown option as typed (`-l` of `-lora2`)

    def format_message(self) -> str:
        return self.message


class BadParameter(UsageError):
    """A value the command cannot use: "Invalid value for '--x': why" (click's wording, kept)."""

    def __init__(self, message: str, ctx: Optional[Context] = None, param: Any = None,
                 param_hint: Optional[str] = None) -> None:
        super().__init__(message, ctx)
        self.param = param
        self.param_hint = param_hint

    def format_message(self) -> str:
        hint = self.param_hint if self.param_hint is not None else (
            self.param.error_hint() if self.param is not None else None)
        return f"Invalid value for {hint}: {self.message}" if hint else f"Invalid value: {self.message}"


def confirm(text: str, default: bool = False) -> bool:
    """Ask a yes/no question on the terminal; no answer (EOF) aborts, as click's confirm did."""
    prompt = f"{text} [{'Y/n' if default else 'y/N'}]: "
    while True:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            sys.stdout.write("\n")
            raise Abort()
        answer = line.strip().lower()
        if not answer:
            return default
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        sys.stderr.write("Error: invalid input\n")
