"""What the installed hooks run. pre-receive judges the push as a whole (exit non-zero refuses
all of it, one line per reason); post-receive announces what was accepted and never fails."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from gitreg.clients.server.updates import pusher
from gitreg.git.refs.changes import RefChange, parse_lines


def pre_receive(repo: Path, lines: Iterable[str], user: Optional[str] = None) -> list[str]:
    """The reasons to refuse this push (empty: accept), judged by gitreg.features.policy.receive."""
    from gitreg.features.policy import receive
    from gitreg.git.signing.allowed import quarantine

    updates: list[RefChange] = parse_lines(lines, "hook input")
    return [f"gitreg: refused {line}" for line in
            receive.judge(repo, [(u.old, u.new, u.ref) for u in updates], user, quarantine())]


def post_receive(repo: Path, lines: Iterable[str], user: Optional[str] = None) -> list[str]:
    """Keep the accepted updates in the events outbox and start the deliverer detached; lines
    to show the pusher (git prints them as `remote: ...`). Never fails the push (docs/events.md).

    The hook `gitreg server install` writes does the same in sh, without Python's start-up."""
    from gitreg.features.events import delivery, outbox

    try:
        updates: list[RefChange] = parse_lines(lines, "hook input")
        outbox.spool(repo, (f"{u.old} {u.new} {u.ref}" for u in updates), user)
        delivery.spawn(repo)
    except Exception as exc:  # noqa: BLE001 -- the push is accepted already; say why, never fail it
        return [f"gitreg: events of this push not queued: {exc}"]
    return []


__all__ = ["pre_receive", "post_receive", "pusher"]
