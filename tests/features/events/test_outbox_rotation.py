"""The server's outbox and deliveries log stay bounded: once every event of the outbox is
settled and the file is over `gitreg.eventsOutboxMax`, a new generation starts and only
`gitreg.eventsArchives` earlier ones are kept; delivery, redelivery and the log read across
them. A real registry, spooled pushes as the post-receive hook writes them, a real receiver."""
from __future__ import annotations

import subprocess
import threading
import time

import pytest

from gitreg.core.errors import GitregError
from gitreg.features.events import outbox
from tests.features.events.approvals import lines, ref_state
from tests.servers.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver(secret=None)
    yield r
    r.stop()


def _config(reg, key: str, value: str) -> None:
    subprocess.run(["git", f"--git-dir={reg.path}", "config", key, value], check=True)


def _push(reg, write) -> None:
    """One write, spooled as a push to the server (what the post-receive hook does)."""
    before = ref_state(reg.path)
    write()
    outbox.spool(reg.path, lines(before, ref_state(reg.path)), pusher="ada")


def _names(reg) -> list[str]:
    return sorted(p.name for p in outbox.root(reg.path).glob("*.jsonl"))


def test_settled_outboxes_rotate_and_only_the_kept_generations_remain(reg, receiver):
    reg.register_model("m")
    reg.add_webhook(receiver.url, name="rc")
    _config(reg, "gitreg.eventsOutboxMax", "1")  # every settled outbox is over it
    _config(reg, "gitreg.eventsArchives", "2")
    for n in range(4):
        _push(reg, lambda: reg.register_model("m", evaluation_scores={"accuracy": n / 10}))
        assert reg.deliver_events() == 1
    assert [e["version"] for e in receiver.events] == ["v2", "v3", "v4", "v5"]  # once each, in order
    assert _names(reg) == ["deliveries.1.jsonl", "deliveries.2.jsonl", "outbox.1.jsonl", "outbox.2.jsonl"]
    log = reg.deliveries()  # the kept generations, oldest first
    assert [d["outcome"] for d in log] == ["delivered", "delivered"]
    assert [d["event"] for d in log] == [e["id"] for e in receiver.events[2:]]

    again = reg.redeliver(receiver.events[3]["id"])  # an archived event can still be sent again
    assert [a.outcome for a in again] == ["delivered"] and receiver.events[-1] == receiver.events[3]
    with pytest.raises(GitregError, match="no event"):  # older than the kept generations
        reg.redeliver(receiver.events[0]["id"])


def test_an_outbox_with_an_unsettled_event_is_not_rotated(reg, receiver):
    reg.register_model("m")
    reg.add_webhook(receiver.url, name="rc")
    _config(reg, "gitreg.eventsOutboxMax", "1")
    _config(reg, "gitreg.eventsBackoff", "0.3")
    receiver.fail = True
    _push(reg, lambda: reg.register_model("m"))
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(reg.deliver_events()))
    worker.start()
    deadline = time.monotonic() + 30
    while receiver.refused < 2:  # retrying: the event is not settled
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert _names(reg) == ["deliveries.jsonl", "outbox.jsonl"]
    receiver.fail = False
    worker.join(60)
    assert done and [e["version"] for e in receiver.events] == ["v2"]
    assert _names(reg) == ["deliveries.1.jsonl", "outbox.1.jsonl"]  # settled, then rotated
    assert [d["outcome"] for d in reg.deliveries()][-1] == "delivered"


def test_below_the_size_nothing_rotates(reg, receiver):
    reg.register_model("m")
    reg.add_webhook(receiver.url, name="rc")
    for _ in range(3):
        _push(reg, lambda: reg.register_model("m"))
        reg.deliver_events()
    assert _names(reg) == ["deliveries.jsonl", "outbox.jsonl"]
    assert len(outbox.events(reg.path)) == 3
