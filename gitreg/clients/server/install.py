"""`gitreg server install REPO`: gitreg's pre-receive and post-receive hooks in a bare repository."""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from gitreg.core.errors import GitregError

HOOKS = ("pre-receive", "post-receive")
MARK = "# installed by gitreg server install"


@dataclass
class Installed:
    repo: Path
    hooks: list[Path] = field(default_factory=list)

    @property
    def message(self) -> str:
        return f"Installed {', '.join(h.name for h in self.hooks)} in {self.repo / 'hooks'}"


def script(hook: str, python: str = sys.executable) -> str:
    """The hook file: exec gitreg with the Python (and the gitreg) that installed it, whatever
    the environment of the server (a CGI or an ssh session has no PYTHONPATH); stdin passes through."""
    import site

    import gitreg

    paths = [str(Path(gitreg.__file__).resolve().parents[1]), *site.getsitepackages()]
    where = shlex.quote(":".join(dict.fromkeys(paths)))
    return (f"#!/bin/sh\n{MARK}\n"
            f"PYTHONPATH={where}${{PYTHONPATH:+:$PYTHONPATH}}; export PYTHONPATH\n"
            f"exec {shlex.quote(python)} -m gitreg server {hook} \"$@\"\n")


def install(repo: Path, force: bool = False, python: str = sys.executable) -> Installed:
    """Write both hooks; a hook that is not gitreg's is kept unless `force` (never silently replaced).

    `python`: the interpreter the hooks run (default this one); another of the same version
    may be named when the server's user cannot reach this one (the packages gitreg was
    installed with are put on its path)."""
    repo = Path(repo)
    if not (repo / "HEAD").is_file() or not (repo / "objects").is_dir():
        raise GitregError(f"{repo} is not a bare git repository")
    hooks_dir = repo / "hooks"
    hooks_dir.mkdir(exist_ok=True)
    for hook in HOOKS:
        path = hooks_dir / hook
        if path.exists() and not force and MARK not in path.read_text(errors="replace"):
            raise GitregError(f"{path} exists and is not gitreg's: move it aside or use --force")
    done = Installed(repo)
    for hook in HOOKS:
        path = hooks_dir / hook
        tmp = path.with_name(f".{hook}.gitreg-tmp")
        tmp.write_text(script(hook, python))
        tmp.chmod(0o755)
        tmp.replace(path)
        done.hooks.append(path)
    return done
