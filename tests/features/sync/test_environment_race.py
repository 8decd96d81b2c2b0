"""The case rule holds under concurrency for environments as for models (issue 22): two
processes racing `deploy --new-env` with `Production` and `production`, on a local registry
and on one whose writes sync to a plain bare remote, leave exactly one spelling."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from gitreg import ModelRegistry
from tests.conftest import refs, trials

_CHILD = """
import sys, time
from gitreg import ModelRegistry
from gitreg.core.errors import GitregError
path, model, env, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
while time.time() < start:
    time.sleep(0.0005)
try:
    ModelRegistry(path).deploy(model, "v1", environment=env, new_environment=True)
    print("ok")
except GitregError as exc:
    print("refused", exc)
"""


def _template(tmp_path, remote: bool):
    """A registry with models a and b at v1 (and its bare sync remote), copied per run."""
    base = tmp_path / "template"
    base.mkdir()
    reg = ModelRegistry(base / "registry.git")
    reg.register_model("a")
    reg.register_model("b")
    if remote:
        subprocess.run(["git", "init", "--quiet", "--bare", str(base / "remote.git")], check=True)
        reg.add_remote("origin", str(base / "remote.git"))
        reg.push()
    return base


def _envs(path) -> list[str]:
    return sorted({ref.split("/")[2] for ref in refs(path) if ref.startswith("refs/deployed/")})


@pytest.mark.scale
@pytest.mark.parametrize("remote", [False, True], ids=["local", "bare-remote"])
def test_racing_new_environment_case_twins_leave_one(tmp_path, remote):
    base = _template(tmp_path, remote)
    runs = trials(4, 30)
    for run in range(runs):
        where = tmp_path / f"run{run}"
        shutil.copytree(base, where)
        registry = where / "registry.git"
        if remote:
            subprocess.run(["git", f"--git-dir={registry}", "config", "remote.origin.url",
                            str(where / "remote.git")], check=True)
        models = ("a", "a") if run % 2 else ("a", "b")  # one model's twins, and two models'
        start = time.time() + 0.8
        procs = [subprocess.Popen([sys.executable, "-c", _CHILD, str(registry), model, env, str(start)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for model, env in zip(models, ("Production", "production"))]
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            outs.append(out.strip())
        assert sum(o == "ok" for o in outs) == 1, (run, outs)
        assert all(o == "ok" or "differs only in case" in o for o in outs), (run, outs)
        assert len(_envs(registry)) == 1, (run, _envs(registry))
        if remote:
            assert _envs(where / "remote.git") == _envs(registry), run
        shutil.rmtree(where)
