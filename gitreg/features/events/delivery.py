"""Sending the outbox's events to the webhooks: signed, retried with backoff, at least once,
in outbox order per webhook (so in order per ref), every attempt recorded in deliveries.jsonl.

Each request is one event as a JSON body with the headers (the scheme of MLflow's webhooks):
    X-Gitreg-Event: <type>            X-Gitreg-Event-Id: <event id, stable: drop duplicates>
    X-Gitreg-Delivery-Id: <uuid>      X-Gitreg-Timestamp: <unix seconds of this attempt>
    X-Gitreg-Signature: v1,<base64 HMAC-SHA256(secret, "<delivery id>.<timestamp>.<body>")>
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from gitreg.core.errors import GitregError
from gitreg.features.events import outbox
from gitreg.features.events.webhooks import Settings, Webhook, settings, webhooks
from gitreg.git.repository import Store

DELIVERED, RETRYING, FAILED = "delivered", "retrying", "failed"
BACKOFF_CAP = 300.0


@dataclass
class Attempt:
    """One delivery attempt of one event to one webhook, as recorded."""

    event: str
    type: str
    ref: str
    webhook: str
    url: str
    attempt: int
    outcome: str
    status: Optional[int]
    error: Optional[str]
    time: str
    delivery_id: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def signature(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def post(hook: Webhook, event: dict[str, Any], attempt: int, timeout: float) -> Attempt:
    """One signed POST of one event; never raises for the receiver's faults."""
    body = json.dumps(event, sort_keys=False).encode()
    delivery_id, stamp = str(uuid.uuid4()), str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "gitreg-webhook/1",
               "X-Gitreg-Event": str(event.get("type")), "X-Gitreg-Event-Id": str(event.get("id")),
               "X-Gitreg-Delivery-Id": delivery_id, "X-Gitreg-Timestamp": stamp}
    secret = os.environ.get(hook.secret_env) if hook.secret_env else None
    if secret:
        headers["X-Gitreg-Signature"] = signature(secret, delivery_id, stamp, body)
    status, error = None, None
    try:
        request = urllib.request.Request(hook.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
            status = response.status
            response.read(1 << 16)
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))
    ok = status is not None and 200 <= status < 300
    if hook.secret_env and not secret:
        error = f"${hook.secret_env} is not set: sent unsigned" + (f" ({error})" if error else "")
    return Attempt(str(event.get("id")), str(event.get("type")), str(event.get("ref")), hook.name, hook.url,
                   attempt, DELIVERED if ok else RETRYING, status, None if ok else (error or f"HTTP {status}"),
                   _dt.datetime.now(_dt.timezone.utc).isoformat(), delivery_id)


def history(git_dir: Path, archived: bool = False) -> list[dict[str, Any]]:
    """The recorded attempts, oldest first: of the current outbox, or (`archived`) of every generation."""
    files = outbox.generations(git_dir, "deliveries") if archived else [outbox.root(git_dir) / "deliveries.jsonl"]
    return [d for path in files for d in outbox.read_jsonl(path)]


def _record(git_dir: Path, attempt: Attempt) -> None:
    """Not fsynced: a record lost in a crash only means that event is sent again (at least once)."""
    outbox.append_jsonl(outbox.root(git_dir) / "deliveries.jsonl", [attempt.as_dict()], sync=False)


def _settled(git_dir: Path) -> dict[tuple[str, str], int]:
    """{(event id, webhook): attempts so far}, with -1 for the finished ones (delivered or failed)."""
    state: dict[tuple[str, str], int] = {}
    for d in history(git_dir):
        key = (str(d.get("event")), str(d.get("webhook")))
        if state.get(key) == -1:
            continue
        state[key] = -1 if d.get("outcome") in (DELIVERED, FAILED) else state.get(key, 0) + 1
    return state


def run(store: Store, sleep: Callable[[float], None] = time.sleep) -> int:
    """Derive spooled pushes and deliver until nothing is left to send; the number of attempts.

    Only one process does this at a time (the outbox lock); one started while another runs
    leaves its push to that one, which looks for new pushes after every attempt."""
    git_dir = store.path
    attempts = 0
    while True:
        with outbox.locked(git_dir) as mine:
            if not mine:
                return attempts
            attempts += _deliver_all(store, settings(git_dir), sleep)
        if not outbox.pending_pushes(git_dir):  # a push spooled as we let go: its deliverer may have lost the lock
            return attempts


def _deliver_all(store: Store, conf: Settings, sleep: Callable[[float], None]) -> int:
    """Deliver in outbox order per webhook: a webhook's next event waits behind its first
    unfinished one (so events of a ref arrive in order); the state is read once, then kept."""
    git_dir = store.path
    outbox.ingest(store)
    events, state, hooks = outbox.events(git_dir), _settled(git_dir), webhooks(git_dir)
    cursor: dict[str, int] = {}
    due: dict[str, float] = {}  # webhook -> when its waiting event may be tried again
    attempts = 0
    while True:
        if outbox.pending_pushes(git_dir) and outbox.ingest(store):
            events = outbox.events(git_dir)
        first = {}
        for hook in hooks:
            i = cursor.get(hook.name, 0)
            while i < len(events) and (not hook.wants(str(events[i].get("type")))
                                       or state.get((events[i]["id"], hook.name), 0) == -1):
                i += 1
            cursor[hook.name] = i
            if i < len(events):
                first[hook.name] = (hook, events[i])
        if not first:  # every event is settled: a new generation if this one is over its size
            if outbox.size(git_dir) > conf.outbox_max:
                outbox.rotate(git_dir, conf.archives)
            return attempts
        now = time.monotonic()
        ready = [(h, e) for name, (h, e) in first.items() if due.get(name, 0) <= now]
        if not ready:
            sleep(max(0.0, min(due[name] for name in first) - now))
            continue
        for hook, event in ready:
            key = (event["id"], hook.name)
            tried = state.get(key, 0)
            result = post(hook, event, tried + 1, conf.timeout)
            attempts += 1
            if result.outcome == RETRYING and tried + 1 >= conf.retries:
                result.outcome = FAILED
            _record(git_dir, result)
            state[key] = tried + 1 if result.outcome == RETRYING else -1
            due[hook.name] = (time.monotonic() + min(conf.backoff * 2 ** tried, BACKOFF_CAP)
                              if result.outcome == RETRYING else 0)


def redeliver(git_dir: Path, event_id: str, webhook: Optional[str] = None) -> list[Attempt]:
    """Send one outbox event again, now, to every webhook that wants it (or the one named)."""
    matches = [e for e in outbox.events(git_dir, archived=True)
               if e["id"] == event_id or e["id"].startswith(event_id)]
    if len(matches) != 1:
        raise GitregError(f"{'no' if not matches else 'more than one'} event {event_id!r} in the outbox"
                          " (see gitreg events deliveries)")
    event = matches[0]
    hooks = [h for h in webhooks(git_dir) if (webhook in (h.name, h.url) if webhook else h.wants(str(event["type"])))]
    if not hooks:
        raise GitregError(f"no webhook wants event {event_id!r}")
    out = []
    for hook in hooks:
        result = post(hook, event, 1, settings(git_dir).timeout)
        if result.outcome == RETRYING:
            result.outcome = FAILED
        _record(git_dir, result)
        out.append(result)
    return out


def test(git_dir: Path, which: str) -> Attempt:
    """A `webhook.test` event (not from any ref) sent once to one webhook, not recorded."""
    from gitreg.features.events.webhooks import find

    hook = find(git_dir, which)
    now = _dt.datetime.now(_dt.timezone.utc).isoformat()
    event = {"schema": "gitreg.events/1", "id": uuid.uuid4().hex, "type": "webhook.test", "entity": "webhook",
             "action": "test", "model": None, "version": None, "environment": None, "actor": None, "time": now,
             "ref": None, "old": None, "new": None, "object": None, "data": {"webhook": hook.name}}
    result = post(hook, event, 1, settings(git_dir).timeout)
    result.outcome = DELIVERED if result.outcome == DELIVERED else FAILED
    return result


def spawn(git_dir: Path) -> None:
    """Start `gitreg events deliver` detached (own session, no inherited output), so the
    caller (a post-receive hook) returns at once and the push never waits for delivery."""
    import subprocess
    import sys

    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[3])  # the gitreg running now, whatever the PATH
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    subprocess.Popen([sys.executable, "-m", "gitreg", "-R", str(Path(git_dir).resolve()), "events", "deliver"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, env=env, close_fds=True)
