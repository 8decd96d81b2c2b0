"""Git configuration and identity exactly as the git command sees them, at the time of the call.

libgit2 fixes its global/system search paths when it is loaded and ignores GIT_CONFIG_GLOBAL,
GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM and GIT_CONFIG_COUNT/KEY/VALUE, so identity and signing
key would not be the ones `git commit` and `git tag -s` use. Here `git config --list --includes`
and `git var GIT_<ROLE>_IDENT` answer instead, in the current environment (a long-lived process
whose environment changes sees the change). A snapshot is reused for at most TTL seconds with
an unchanged environment and config files: one write asks a few questions, and pays for one
`git config`.
"""
from __future__ import annotations

import itertools
import os
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, Optional, TypeVar

TTL = 1.0
T = TypeVar("T")
_cache: dict[tuple, tuple[float, object]] = {}
# Inside one write attempt (`steady()`), each answer is asked once: a write reads identity,
# signing and settings a dozen times, and they cannot usefully change in its few milliseconds.
_steady: ContextVar[Optional[dict]] = ContextVar("gitreg_config_steady", default=None)


class _Steady:
    """steady()'s scope: a plain context manager (a registration enters three, nested; a
    generator-based one cost ~2 us each)."""
    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _steady.set({}) if _steady.get() is None else None

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _steady.reset(self._token)


def steady() -> _Steady:
    """Answers are fixed for the duration (nested scopes share the outermost one)."""
    return _Steady()


_normed: dict[str, str] = {}  # key -> its form: a function of the key's text alone


def _norm(key: str) -> str:
    """git's key form: section and variable lower case, a subsection as it is (remembered: a
    write looks up the same few keys, signing's and identity's, a dozen times)."""
    done = _normed.get(key)
    if done is None:
        section, _, rest = key.partition(".")
        sub, _, var = rest.rpartition(".")
        done = ".".join(p for p in (section.lower(), sub, var.lower()) if p)
        if len(_normed) < 4096:
            _normed[key] = done
    return done


class GitConfig:
    """The effective values (last one wins), read like a pygit2.Config: `[key]` and get_bool."""

    def __init__(self, values: dict[str, Optional[str]]) -> None:
        self._values = values

    # (each looks up the remembered form itself: a write asks a dozen times, a call each)
    def __getitem__(self, key: str) -> str:
        value = self._values[_normed.get(key) or _norm(key)]  # KeyError when unset, as pygit2
        return "" if value is None else value

    def __contains__(self, key: str) -> bool:
        return (_normed.get(key) or _norm(key)) in self._values

    def get_bool(self, key: str) -> bool:
        value = self._values[_normed.get(key) or _norm(key)]
        if value is None:
            return True  # `[section] key` with no value means true in git
        low = value.strip().lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0", ""):
            return False
        raise ValueError(f"{key} is not a boolean: {value!r}")


def _parse(out: str) -> dict[str, Optional[str]]:
    values: dict[str, Optional[str]] = {}
    for item in out.split("\0"):
        if not item:
            continue
        key, newline, value = item.partition("\n")
        values[_norm(key)] = value if newline else None
    return values


_paths: dict[tuple, tuple[str, ...]] = {}  # (gitdir, environment) -> the config files' paths


def _files(gitdir: str, environment: Optional[tuple] = None) -> tuple:
    """(path, mtime) of the config files git reads, so an edit is seen at once. The paths
    depend on the environment only (`_environment()`'s answer, when the caller has it)."""
    paths = _paths.get((gitdir, environment)) if environment is not None else None
    if paths is None:
        env = os.environ
        home = env.get("HOME") or os.path.expanduser("~")
        xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        paths = (os.path.join(gitdir, "config"), env.get("GIT_CONFIG_GLOBAL") or os.path.join(home, ".gitconfig"),
                 os.path.join(xdg, "git", "config"), env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
        if environment is not None:
            if len(_paths) > 64:
                _paths.clear()
            _paths[(gitdir, environment)] = paths
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((p, st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((p, None))
    return tuple(out)


def read(gitdir: Path | str) -> Optional[GitConfig]:
    """The registry's effective configuration as git reads it now; None when git cannot run.

    Reused only while the environment and the config files' mtimes are unchanged, and for
    at most TTL seconds (a file reached through an include is not watched otherwise).
    (`gitdir` as text spares a write's dozen calls a Path's str() and hash, Python calls.)"""
    where = str(gitdir)
    scope = _steady.get()
    if scope is not None and ("config", where) in scope:
        return scope[("config", where)]
    key = _key(where, "config")
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < TTL:
        config = hit[1]
    else:
        import subprocess  # git runs only on a miss: a read that needs no config starts without it

        from gitreg.git import gitcli

        try:
            proc = gitcli.run(gitdir, "config", "--list", "--includes", "-z", timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        if proc.returncode != 0:
            return None
        config = GitConfig(_parse(proc.stdout))
        _remember(key, config)
    if scope is not None:
        scope[("config", where)] = config
    return config  # type: ignore[return-value]


# What in the environment changes what `git config` and `git var` answer (git's own variables,
# where it finds its files, who it guesses you are). Only these are compared: sorting the whole
# environment for every value read cost more than the rest of a registration.
_ENV = ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE", "EMAIL",
        "USER", "LOGNAME", "HOSTNAME", "PREFIX", "GIT_CEILING_DIRECTORIES")


_ENV_NAMES = frozenset(_ENV)
# The names as bytes, for listing os.environb: its keys are the environment's own bytes (os.environ
# decodes each one in a Python call: three fifths of the listing's cost). None where there is none.
_ENV_BYTES = tuple((name, os.fsencode(name)) for name in _ENV) if os.supports_bytes_environ else None
_ENV_BYTE_NAMES = frozenset(b for _, b in _ENV_BYTES) if _ENV_BYTES is not None else None
_COUNT_AT = _ENV.index("GIT_CONFIG_COUNT")
# Below this many variables, listing the environment's names and reading only those of _ENV it
# has beats asking for each of _ENV: most are unset, and each failed lookup raises and catches
# a KeyError inside os.environ (~1.5 us; a name listed costs ~0.3 us).
_LIST_BELOW = 80


def _environment() -> tuple:
    env = os.environ
    if len(env) < _LIST_BELOW and _ENV_BYTES is not None:
        listed = _ENV_BYTE_NAMES.intersection(os.environb)  # type: ignore[union-attr]
        values = tuple([env[name] if key in listed else None for name, key in _ENV_BYTES])
    elif len(env) < _LIST_BELOW:
        present = _ENV_NAMES.intersection(env)
        values = tuple(env[name] if name in present else None for name in _ENV)
    else:
        values = tuple(map(env.get, _ENV))
    try:
        count = int(values[_COUNT_AT] or 0)
    except ValueError:
        count = 0
    if count <= 0:
        return values
    pairs = tuple((env.get(f"GIT_CONFIG_KEY_{i}"), env.get(f"GIT_CONFIG_VALUE_{i}")) for i in range(min(count, 1000)))
    return values + pairs


NO_REGISTRY = Path("/nonexistent-gitreg-registry")  # git then reads system, global and command config


def read_user() -> Optional[GitConfig]:
    """The configuration as git reads it outside any repository (before a registry exists)."""
    return read(NO_REGISTRY)


# A state (environment, config files) seen -> its number: the cache's keys carry the number, so
# each lookup hashes and compares three small values, not the state's thirty (a write makes three).
# Numbers are never reused, so clearing this only leaves old entries unreachable (TTL drops them).
_states: dict[tuple, int] = {}
_numbers = itertools.count()


def _state(where: str) -> int:
    environment = _environment()
    state = (environment, _files(where, environment))
    number = _states.get(state)
    if number is None:
        if len(_states) > 256:
            _states.clear()
        number = _states[state] = next(_numbers)
    return number


def _key(where: str, what: str) -> tuple:
    scope = _steady.get()
    if scope is None:
        return (what, where, _state(where))
    state = scope.get(("state", where))  # environment and files: looked at once per scope
    if state is None:
        state = scope[("state", where)] = _state(where)
    return (what, where, state)


def lasting(gitdir: Path | str, what: tuple, compute: Callable[[], T]) -> T:
    """compute() for an answer made only from the environment and the configuration (an
    identity): kept as `read` keeps the configuration (same environment, same config files,
    at most TTL seconds), and once per steady() scope."""
    scope = _steady.get()
    if scope is not None and what in scope:
        return scope[what]
    key = _key(str(gitdir), what)  # type: ignore[arg-type]
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < TTL:
        value = hit[1]
    else:
        value = compute()
        _remember(key, value)
    if scope is not None:
        scope[what] = value
    return value  # type: ignore[return-value]


def remembered(key: tuple, compute: Callable[[], T]) -> T:
    """compute() once per steady() scope (every time outside one): for answers made from
    several of the above (an identity) and asked for again within one write."""
    scope = _steady.get()
    if scope is None:
        return compute()
    if key not in scope:
        scope[key] = compute()
    return scope[key]


def _remember(key: tuple, value: object) -> None:
    now = time.monotonic()
    for old in [k for k, (t, _) in _cache.items() if now - t >= TTL]:
        del _cache[old]
    _cache[key] = (now, value)


class IdentUnknown(Exception):
    """git itself has no identity (user.useConfigOnly, or nothing it can guess)."""


def ident(gitdir: Path | str, role: str) -> Optional[tuple[str, str]]:
    """(name, email) git would use for role 'author' or 'committer' (`git var`), or None when
    git cannot run; IdentUnknown when git refuses (its message is the exception's text)."""
    where = str(gitdir)
    scope = _steady.get()
    if scope is not None and (role, where) in scope:
        return scope[(role, where)]
    key = _key(where, role)
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < TTL:
        if scope is not None:
            scope[(role, where)] = hit[1]
        return hit[1]  # type: ignore[return-value]
    import subprocess

    from gitreg.git import gitcli

    try:
        proc = gitcli.run(gitdir, "var", f"GIT_{role.upper()}_IDENT", timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        raise IdentUnknown(lines[-1] if lines else "git has no identity")
    line = proc.stdout.strip()
    name, lt, rest = line.partition(" <")
    email, gt, _ = rest.partition(">")
    if not (lt and gt):
        return None
    _remember(key, (name, email))
    if scope is not None:
        scope[(role, where)] = (name, email)
    return name, email
