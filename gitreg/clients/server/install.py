"""`gitreg server install REPO`: gitreg's pre-receive and post-receive hooks in a bare repository."""
from __future__ import annotations

import os
import shlex
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

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


def script(hook: str, python: Optional[str] = None) -> str:
    """The hook file: exec gitreg (the Python and the gitreg that installed it); stdin passes through.

    Another `python` (one the server's user may run, the same minor version) gets the installing
    one's site-packages too. post-receive does its work in sh (docs/events.md): it keeps the
    pushed updates in the events outbox (fsynced) and starts the deliverer detached a second
    later, so a push neither waits for Python nor shares the CPU with its start-up."""
    paths = [str(Path(__file__).resolve().parents[3])]
    if python is not None:
        paths += list(dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib")))
    python = python or sys.executable
    env = f'PYTHONPATH={shlex.quote(os.pathsep.join(paths))}${{PYTHONPATH:+:$PYTHONPATH}} '
    if hook == "post-receive":
        return (f"#!/bin/sh\n{MARK}\n"
                "# what `gitreg server post-receive` does, in sh: spool the updates, deliver detached\n"
                'git_dir=$(cd "${GIT_DIR:-.}" && pwd) || exit 0\n'
                'spool="$git_dir/gitreg-events/incoming"\n'
                'f="$spool/$(date +%s%N)-$$"\n'
                '{ [ -d "$spool" ] || mkdir -p "$spool"; } && '
                '{ printf \'# pusher: %s\\n\' "${GL_USER:-$REMOTE_USER}"; cat; } > "$f.tmp" && '
                'sync "$f.tmp" && mv "$f.tmp" "$f.updates" || '
                '{ echo "gitreg: events of this push not queued" >&2; exit 0; }\n'
                # a second later and at low priority: the deliverer's start-up never competes with the push
                f"( sleep 1; {env}exec setsid nice -n 10 {shlex.quote(python)} "
                "-m gitreg -R \"$git_dir\" events deliver ) "
                "</dev/null >/dev/null 2>&1 &\n"
                "exit 0\n")
    return (f"#!/bin/sh\n{MARK}\n"
            f"{env}exec {shlex.quote(python)} -m gitreg server {hook} \"$@\"\n")


def install(repo: Path, force: bool = False, python: Optional[str] = None) -> Installed:
    """Write both hooks; a hook that is not gitreg's is kept unless `force` (never silently replaced)."""
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
