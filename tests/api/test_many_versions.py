"""Reading many versions pauses the cyclic collector for the read only, and leaves its state
(enabled, disabled, objects a process froze itself) as it found it."""
from __future__ import annotations

import gc

from gitreg.model import snapshot


def _read_all(reg, monkeypatch):
    monkeypatch.setattr(snapshot, "MANY", 1)  # 3 versions count as many here
    return [r.to_dict() for r in reg.list_versions("m")]


def test_the_collector_is_as_it_was_after_a_long_read(reg, monkeypatch):
    for k in range(3):
        reg.register_model("m", evaluation_scores={"accuracy": 0.5 + k / 10})
    expected = [r.to_dict() for r in reg.list_versions("m")]  # below MANY: no pause
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        assert _read_all(reg, monkeypatch) == expected and gc.isenabled() and gc.get_freeze_count() == 0
        gc.disable()
        assert _read_all(reg, monkeypatch) == expected and not gc.isenabled()
        gc.enable()
        gc.freeze()  # a pre-fork server's frozen objects stay frozen
        frozen = gc.get_freeze_count()
        assert _read_all(reg, monkeypatch) == expected and gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        (gc.enable if was_enabled else gc.disable)()
