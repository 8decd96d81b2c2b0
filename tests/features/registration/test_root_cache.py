"""A registering process writes its new tip's root into the derived cache on its first write of
a model and every ROOT_EVERY-th after; other processes still find the root, walking back at
most that far."""
from __future__ import annotations

import json
import subprocess

from gitreg import ModelRegistry
from gitreg.features.registration.registration import ROOT_EVERY
from gitreg.git.cache.cache import DIR_NAME


def _entries(path) -> dict:
    raw = (path / DIR_NAME / "m.roots.json").read_bytes()
    return json.loads(raw[:raw.rindex(b"\ngitreg-seal ")])["entries"]


def test_root_entries_every_few_writes_and_a_fresh_process_still_finds_the_root(registry_path, git):
    reg = ModelRegistry(registry_path)
    tips = []
    for _ in range(ROOT_EVERY + 2):
        reg.register_model("m")
        tips.append(git(registry_path, "rev-parse", "refs/heads/m").strip())
    root = git(registry_path, "rev-list", "--max-parents=0", "refs/heads/m").strip()
    entries = _entries(registry_path)
    assert entries.get(tips[0]) == root and entries.get(tips[ROOT_EVERY]) == root
    assert tips[1] not in entries and tips[-1] not in entries  # the writes in between wrote no cache
    fresh = ModelRegistry(registry_path)
    assert fresh.get_metadata("m").model_name == "m"
    assert _entries(registry_path)[tips[-1]] == root  # the reader's walk recorded the tip it started from
    assert fresh.register_model("m").version == f"v{ROOT_EVERY + 3}"
    assert subprocess.run(["git", "-C", str(registry_path), "fsck", "--no-progress"],
                          capture_output=True).returncode == 0
