"""Who writes: git's own identity rules (env, then config), with a documented fallback.

Order, per role (author / committer): GIT_<ROLE>_NAME / GIT_<ROLE>_EMAIL, then the
repository's config (which includes ~/.gitconfig and the system config) user.name /
user.email, then $EMAIL, then the login name and `<login>@<hostname>` -- unless
`user.useConfigOnly` is true, in which case a missing identity is an error, as in git.
"""
from __future__ import annotations

import getpass
import os
import socket
import time
import warnings
from pathlib import Path
from typing import Optional

import pygit2

from gitreg.core.errors import IdentityError
from gitreg.git import config as gitconfig


def _config_value(config: pygit2.Config, key: str) -> str | None:
    try:
        value = config[key]
    except (KeyError, pygit2.GitError):
        return None
    return value or None


def _config_bool(config: pygit2.Config, key: str) -> bool:
    try:
        return config.get_bool(key)
    except (KeyError, pygit2.GitError, ValueError):
        return False


def identity(config: pygit2.Config, role: str, gitdir: Optional[Path | str] = None) -> tuple[str, str]:
    """(name, email) for role 'author' or 'committer': what `git var GIT_<ROLE>_IDENT` says
    for the registry at gitdir; the rules below when git cannot be asked (or has to guess)."""
    if gitdir is not None:
        try:
            known = gitconfig.ident(gitdir, role)
        except gitconfig.IdentUnknown as exc:
            if _config_bool(config, "user.useConfigOnly"):
                raise IdentityError(
                    "no git identity: set user.name and user.email "
                    "(git config --global user.name 'You'; git config --global user.email you@example.com)"
                    f" [git: {exc}]"
                ) from None
            known = None  # git cannot guess one (no domain): the documented fallback below
        if known is not None:
            if _guessed(gitconfig.read(gitdir), role):
                _warn_guessed(*known)
            return _checked(*known)
    upper = role.upper()
    name = os.environ.get(f"GIT_{upper}_NAME") or _config_value(config, "user.name")
    email = (
        os.environ.get(f"GIT_{upper}_EMAIL")
        or _config_value(config, "user.email")
        or os.environ.get("EMAIL")
    )
    if not (name and email):
        if _config_bool(config, "user.useConfigOnly"):
            raise IdentityError(
                "no git identity: set user.name and user.email "
                "(git config --global user.name 'You'; git config --global user.email you@example.com)"
            )
        try:
            login = getpass.getuser()
        except Exception:  # no passwd entry (containers)
            login = "gitreg"
        name = name or login
        email = email or f"{login}@{socket.gethostname() or 'localhost'}"
        _warn_guessed(name, email)
    return _checked(name, email)


def _guessed(config: object, role: str) -> bool:
    """True when git made the identity up (no name or email set anywhere it looks)."""
    upper = role.upper()
    has = lambda key: config is not None and key in config  # noqa: E731
    name = os.environ.get(f"GIT_{upper}_NAME") or has("user.name")
    email = os.environ.get(f"GIT_{upper}_EMAIL") or has("user.email") or os.environ.get("EMAIL")
    return not (name and email)


def _checked(name: str, email: str) -> tuple[str, str]:
    if any(c in name + email for c in "<>\n"):
        raise IdentityError(f"git identity {name!r} <{email}> contains '<', '>' or a newline")
    if not name.strip():
        raise IdentityError("git identity has an empty name: set user.name")
    return name, email


_warned: set[tuple[str, str]] = set()


def _warn_guessed(name: str, email: str) -> None:
    """As `git commit` does: say once that the identity was guessed, and how to set it."""
    if (name, email) in _warned:
        return
    _warned.add((name, email))
    warnings.warn(
        f"no git identity configured: recording {name} <{email}>, guessed from your login and "
        "host name. Set it with: git config --global user.name \"Your Name\"; "
        "git config --global user.email you@example.com",
        stacklevel=3,
    )


def signature(config: pygit2.Config, role: str, when: float | None = None,
              gitdir: Optional[Path | str] = None) -> pygit2.Signature:
    when = time.time() if when is None else when
    if gitdir is not None:  # git's answer, kept while the environment and config files are
        name, email = gitconfig.lasting(gitdir, ("identity", role), lambda: identity(config, role, gitdir))
    else:
        name, email = gitconfig.remembered(("identity", role, str(gitdir)), lambda: identity(config, role, gitdir))
    offset = (time.localtime(when).tm_gmtoff or 0) // 60
    return pygit2.Signature(name, email, int(when), offset)


def format_signature(sig: pygit2.Signature) -> str:
    """The 'Name <email> <epoch> <+hhmm>' line of raw tag and commit objects."""
    offset = sig.offset
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{sig.name} <{sig.email}> {sig.time} {sign}{hours:02d}{minutes:02d}"
