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

import pygit2

from ..errors import IdentityError


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


def identity(config: pygit2.Config, role: str) -> tuple[str, str]:
    """(name, email) for role 'author' or 'committer'."""
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
    if any(c in name + email for c in "<>\n"):
        raise IdentityError(f"git identity {name!r} <{email}> contains '<', '>' or a newline")
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


def signature(config: pygit2.Config, role: str, when: float | None = None) -> pygit2.Signature:
    when = time.time() if when is None else when
    name, email = identity(config, role)
    offset = (time.localtime(when).tm_gmtoff or 0) // 60
    return pygit2.Signature(name, email, int(when), offset)


def format_signature(sig: pygit2.Signature) -> str:
    """The 'Name <email> <epoch> <+hhmm>' line of raw tag and commit objects."""
    offset = sig.offset
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{sig.name} <{sig.email}> {sig.time} {sign}{hours:02d}{minutes:02d}"
