"""Webhooks, kept in the registry's own git config (never in shared objects, never a secret):

    [webhook "NAME"]
        url = https://ci.example.com/hook
        events = deployment.*          (repeatable; fnmatch patterns on the event type; none: all)
        secretEnv = GITREG_HOOK_SECRET (the environment variable holding the HMAC secret)

Delivery settings: `gitreg.eventsRetries` (attempts before an event is marked failed, default
8), `gitreg.eventsBackoff` (seconds before the first retry, doubled each time, default 2),
`gitreg.eventsTimeout` (seconds per request, default 10).
"""
from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from gitreg.core.errors import GitregError
from gitreg.features.events.derive import TYPES
from gitreg.git import gitcli

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\Z")


@dataclass
class Webhook:
    name: str
    url: str
    events: list[str] = field(default_factory=list)
    secret_env: Optional[str] = None

    def wants(self, event_type: str) -> bool:
        return not self.events or any(fnmatch.fnmatchcase(event_type, p) for p in self.events)


@dataclass
class Settings:
    retries: int = 8
    backoff: float = 2.0
    timeout: float = 10.0
    outbox_max: int = 16 << 20  # bytes: a settled outbox past this starts a new generation
    archives: int = 3  # earlier generations of the outbox and deliveries log kept


def _config(git_dir: Path) -> list[tuple[str, str]]:
    done = gitcli.run(git_dir, "config", "--null", "--get-regexp", r"^(webhook|gitreg)\.")
    if done.returncode not in (0, 1):
        raise GitregError(f"cannot read the registry's config: {done.stderr.strip()[:200]}")
    out = []
    for item in done.stdout.split("\0"):
        key, _, value = item.partition("\n")
        if key:
            out.append((key, value))
    return out


def webhooks(git_dir: Path) -> list[Webhook]:
    """The configured webhooks, by name; an entry without a valid URL is left out."""
    found: dict[str, Webhook] = {}
    for key, value in _config(git_dir):
        section, _, rest = key.partition(".")
        name, _, var = rest.rpartition(".")
        if section != "webhook" or not _NAME.match(name):
            continue
        hook = found.setdefault(name, Webhook(name, ""))
        if var == "url":
            hook.url = value
        elif var == "events":
            hook.events.append(value)
        elif var == "secretenv":
            hook.secret_env = value if _ENV.match(value) else None
    return [h for _, h in sorted(found.items()) if _valid_url(h.url)]


def settings(git_dir: Path) -> Settings:
    s = Settings()
    for key, value in _config(git_dir):
        try:
            if key == "gitreg.eventsretries":
                s.retries = max(1, min(int(value), 100))
            elif key == "gitreg.eventsbackoff":
                s.backoff = max(0.01, min(float(value), 3600.0))
            elif key == "gitreg.eventstimeout":
                s.timeout = max(0.1, min(float(value), 300.0))
            elif key == "gitreg.eventsoutboxmax":
                s.outbox_max = max(0, min(int(value), 1 << 40))
            elif key == "gitreg.eventsarchives":
                s.archives = max(0, min(int(value), 1000))
        except ValueError:
            continue
    return s


def _valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


def _git(git_dir: Path, *args: str) -> None:
    done = gitcli.run(git_dir, "config", *args)
    if done.returncode != 0:
        raise GitregError(f"cannot write the registry's config: {done.stderr.strip()[:200]}")


def add(git_dir: Path, url: str, events: list[str], secret_env: Optional[str] = None,
        name: Optional[str] = None) -> Webhook:
    """Add (or replace) a webhook; checked first, so a bad one writes nothing."""
    if not _valid_url(url):
        raise GitregError(f"webhook URL must be http:// or https://: {url!r}")
    name = name or "hook-" + hashlib.sha256(url.encode()).hexdigest()[:8]
    if not _NAME.match(name):
        raise GitregError(f"invalid webhook name {name!r}: letters, digits, '-' and '_'")
    for pattern in events:
        if not any(fnmatch.fnmatchcase(t, pattern) for t in TYPES):
            raise GitregError(f"event pattern {pattern!r} matches no event type ({', '.join(TYPES)})")
    if secret_env is not None and not _ENV.match(secret_env):
        raise GitregError(f"invalid environment variable name {secret_env!r}")
    remove(git_dir, name, missing_ok=True)
    section = f"webhook.{name}"
    _git(git_dir, f"{section}.url", url)
    for pattern in events:
        _git(git_dir, "--add", f"{section}.events", pattern)
    if secret_env:
        _git(git_dir, f"{section}.secretEnv", secret_env)
    return Webhook(name, url, list(events), secret_env)


def find(git_dir: Path, which: str) -> Webhook:
    """A webhook by name or URL."""
    hooks = webhooks(git_dir)
    for hook in hooks:
        if which in (hook.name, hook.url):
            return hook
    names = ", ".join(h.name for h in hooks) or "none configured"
    raise GitregError(f"no webhook {which!r} ({names})")


def remove(git_dir: Path, which: str, missing_ok: bool = False) -> None:
    try:
        name = find(git_dir, which).name
    except GitregError:
        if missing_ok:
            name = which
        else:
            raise
    done = gitcli.run(git_dir, "config", "--remove-section", f"webhook.{name}")
    if done.returncode != 0 and not missing_ok:
        raise GitregError(f"cannot remove webhook {which!r}: {done.stderr.strip()[:200]}")
