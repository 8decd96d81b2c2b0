"""Races between processes: the case rule holds under concurrency."""
from __future__ import annotations

import subprocess
import sys

import pytest

from gitreg import ModelRegistry

_CHILD = """
import sys, time
from gitreg import ModelRegistry
from gitreg.core.errors import GitregError
path, name, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
try:
    ModelRegistry(path).register_model(name, version=sys.argv[4] if len(sys.argv) > 4 else None)
    print("ok")
except GitregError as exc:
    print("refused", exc)
"""


def _race(path, names, versions=None) -> list[str]:
    import time
    start = time.time() + 1.5
    procs = [
        subprocess.Popen([sys.executable, "-c", _CHILD, str(path), name, str(start),
                          *([versions[i]] if versions else [])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i, name in enumerate(names)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(out.strip())
    return outs


CASE_TWINS = ["casemodel", "CaseModel", "CASEMODEL", "caseModel", "Casemodel", "cASEMODEL", "CaseMODEL", "casemodeL"]


@pytest.mark.parametrize("run", range(2))
def test_eight_processes_creating_case_twins_create_one_model(registry_path, run):
    ModelRegistry(registry_path).init()
    outs = _race(registry_path, CASE_TWINS)
    assert sum(o == "ok" for o in outs) == 1, outs
    assert all(o == "ok" or "differs only in case" in o for o in outs), outs
    assert len([m for m in ModelRegistry(registry_path).list_models() if m.lower() == "casemodel"]) == 1


def test_case_twin_versions_under_concurrency(registry_path):
    reg = ModelRegistry(registry_path)
    reg.register_model("m")
    outs = _race(registry_path, ["m"] * 6, ["v2a", "v2A", "v2a", "v2A", "v2a", "v2A"])
    assert sum(o == "ok" for o in outs) == 1, outs
    assert {v.version.lower() for v in reg.list_versions("m")} == {"v1", "v2a"}
    assert len(reg.list_versions("m")) == 2
