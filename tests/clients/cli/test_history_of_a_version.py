"""`gitreg history MODEL VERSION`: one version's history (issue 24), through the CLI."""
from __future__ import annotations

import json


def test_one_versions_history(cli, reg):
    for _ in range(3):
        reg.register_model("majora")
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")
    reg.update_evaluation_scores("majora", "v2", accuracy=0.9)
    reg.add_tags("majora", "v3", "candidate")

    def kinds(*ref: str) -> list[tuple[str, str, str]]:
        r = cli("history", *ref, "--json")
        assert r.code == 0 and r.err == "", r
        return [(e["kind"], e["version"], (e["details"] or {}).get("previous_version") or "")
                for e in json.loads(r.out)]

    v1 = kinds("majora", "v1")
    assert v1[0] == ("registered", "v1", "") and ("deployed", "v1", "") in v1
    assert ("deployed", "v2", "v1") in v1  # v2 replaced it in production: part of its story
    assert all(v == "v1" or prev == "v1" for _, v, prev in v1)
    assert kinds("majora:v2") == kinds("majora", "v2") == kinds("majora@production")
    assert {k for k, _, _ in kinds("majora:v2")} == {"registered", "deployed", "scores_updated"}
    assert [k for k, _, _ in kinds("majora", "v3")] == ["registered", "tags_changed"]
    assert len(kinds("majora")) > len(v1)  # the model's whole history as before
    table = cli("history", "majora", "v3")
    assert table.code == 0 and "v3" in table.out and " v1 " not in table.out
    missing = cli("history", "majora", "v9")
    assert missing.code == 1 and missing.err.startswith("gitreg: error: model 'majora' has no version 'v9'")
