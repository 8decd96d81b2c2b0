"""Where the ref updates come from besides a hook's stdin (gitreg/git/refs/changes.py): a
forge's push payload, or a date."""
from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from gitreg.core.errors import GitregError
from gitreg.features.events.derive import RegistryEvent, changes_between, current_refs, derive
from gitreg.git.objects import revrange
from gitreg.git.refs import layout
from gitreg.git.refs.changes import MAX_LINE, ZERO, RefChange, is_oid
from gitreg.git.repository import Store

PAYLOAD_LIMIT = 25 << 20  # GitHub caps webhook payloads at 25 MB


def parse_time(text: str) -> _dt.datetime:
    """An ISO 8601 date or time; without a zone it is UTC."""
    try:
        value = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise GitregError(f"not an ISO 8601 date or time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)


def since(store: Store, when: str) -> list[RegistryEvent]:
    """Every event at or after `when`, oldest first (re-derived from the whole history)."""
    start = parse_time(when)
    events = derive(store, changes_between({}, current_refs(store)))
    dated = [(parse_time(e.time), n, e) for n, e in enumerate(events)]
    return [e for t, _, e in sorted(dated, key=lambda x: (x[0], x[1])) if t >= start]


def push_payload(store: Store, data: bytes) -> list[RefChange]:
    """The updates of a GitHub or GitLab push payload (`ref`, `before`, `after`).

    Forges send push payloads for branches and tags only. A branch push becomes the version
    tags on the commits it added (the same events, with the same ids, as the tags' own updates)."""
    if len(data) > PAYLOAD_LIMIT:
        raise GitregError(f"push payload over {PAYLOAD_LIMIT} bytes")
    try:
        payload: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise GitregError("push payload is not JSON") from None
    if not isinstance(payload, dict):
        raise GitregError("push payload is not a JSON object")
    ref, before, after = payload.get("ref"), payload.get("before"), payload.get("after")
    if not (isinstance(ref, str) and isinstance(before, str) and isinstance(after, str)
            and is_oid(before) and is_oid(after) and len(ref) < MAX_LINE):
        raise GitregError("push payload lacks 'ref', 'before' and 'after'")
    if ref.startswith(layout.TAGS) and after != ZERO:
        # a forge may name the tag's commit rather than the tag object: the event names the object
        tag = store.ref_target(ref)
        if tag is not None and str(store.commit(tag).id) == after:
            after = str(tag)
    change = RefChange(before, after, ref)
    if not ref.startswith(layout.HEADS) or after == ZERO:
        return [change]
    model = ref[len(layout.HEADS):]
    old = None if before == ZERO else before
    try:
        added = {str(c.id): n for n, c in enumerate(revrange.added(store.repo, after, old))}
    except (KeyError, ValueError) as exc:
        raise GitregError(f"push payload names commits this registry lacks: {exc}") from None
    tags = store.refs_under(layout.tag_prefix(model))
    found = [(added[str(store.commit(tag).id)], name, str(tag)) for name, tag in tags.items()
             if str(store.commit(tag).id) in added]
    return [RefChange(ZERO, tag, name) for _, name, tag in sorted(found)]
