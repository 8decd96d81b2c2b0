"""The bounds every YAML read enforces, without importing a YAML parser.

A clone's summary checks every manifest's size and looks for the bytes an anchor, alias,
tag or deep nesting needs; only a document holding them is parsed (gitreg/core/yamlio.py).
Kept apart so that this check costs no PyYAML import when nothing is suspect.
"""
from __future__ import annotations

MANIFEST_LIMIT = 1 << 20  # manifest.yaml, model.yaml, notes (DESIGN.md 'What gitreg reads is untrusted')
DEPLOYMENT_LIMIT = 64 << 10  # deployment.yaml
MAX_DEPTH = 64  # nesting gitreg never writes deeper than a few levels
# Bytes that must occur for an anchor (&), alias (*), tag (!) or deep flow nesting to exist:
# a document without them skips the event scan (the common case costs one C-speed find each).
SUSPECT_BYTES = (b"&", b"*", b"!")
FLOW_OPENERS = 64


def suspect(data: bytes) -> bool:
    """Whether `data` may hold an anchor, alias, tag or deep flow nesting (then it is event-scanned)."""
    return any(s in data for s in SUSPECT_BYTES) or data.count(b"[") + data.count(b"{") > FLOW_OPENERS
