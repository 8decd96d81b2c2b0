"""Property: the events between two arbitrary states are the concatenation of the events of
the pushes in between (same ids, in the same order per ref)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gitreg import ModelRegistry
from gitreg.core.errors import GitregError
from tests.features.events.approvals import approve, lines, ref_state

OPS = ["register", "score", "deploy", "rollback", "status", "tag", "approve", "metadata", "undeploy"]


def apply(reg: ModelRegistry, op: str, n: int) -> None:
    versions = reg.version_names("m") if reg.has_model("m") else []
    pick = versions[n % len(versions)] if versions else None
    env = ("production", "staging")[n % 2]
    if op == "register" or pick is None:
        reg.register_model("m", evaluation_scores={"accuracy": n / 10})
    elif op == "score":
        reg.update_evaluation_scores("m", pick, accuracy=n / 7)
    elif op == "deploy":
        reg.deploy("m", pick, environment=env, new_environment=True)
    elif op == "rollback":
        reg.rollback("m", environment=env)
    elif op == "undeploy":
        reg.undeploy("m", environment=env)
    elif op == "status":
        reg.set_status("m", pick, ("completed", "archived")[n % 2])
    elif op == "tag":
        reg.add_tags("m", pick, f"t{n}")
    elif op == "approve":
        approve(reg.path, "m", pick, env, f"a{n}@example.com")
    else:
        reg.update_metadata("m", description=f"d{n}")


def per_ref(events) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in events:
        out.setdefault(e.ref, []).append(e.id)
    return out


@settings(max_examples=12)
@given(steps=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 5), st.booleans()), min_size=1, max_size=9),
       cut=st.tuples(st.integers(0, 9), st.integers(0, 9)))
def test_events_between_two_states_are_the_pushes_in_between(steps, cut):
    with tempfile.TemporaryDirectory() as tmp:
        reg = ModelRegistry(Path(tmp) / "r.git")
        states = [{}]
        for op, n, push_here in steps:
            try:
                apply(reg, op, n)
            except GitregError:
                pass  # e.g. nothing to roll back to: no write, no event
            if push_here:
                states.append(ref_state(reg.path))
        states.append(ref_state(reg.path))
        i, j = sorted(c % len(states) for c in cut)
        whole = reg.events(lines=lines(states[i], states[j]))
        pushes = [e for k in range(i, j) for e in reg.events(lines=lines(states[k], states[k + 1]))]
        assert per_ref(whole) == per_ref(pushes)
        assert len({e.id for e in whole}) == len(whole)
        assert reg.problems == []
