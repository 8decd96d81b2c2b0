"""The suite runs in parallel as the README says (`pytest -n auto`, issue 28): tests/conftest.py
makes -n mean `--dist loadgroup` in the workers too, sends the tests sharing a module-scoped
fixture to one worker, keeps the "serial" group on one worker, starts 2 workers per CPU, and
gives the processes tests start a working SIGINT even when the suite was started with it ignored.
Checked on a small generated suite run by a real pytest with pytest-xdist, whose conftest.py
has the hooks of tests/conftest.py."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SUITE = '''
import os
import pytest

def _record(tmp_path_factory, what):
    with open(os.environ["GENERATED_SUITE_LOG"], "a") as fh:  # one file for all the workers
        fh.write(f"{what} {os.environ.get('PYTEST_XDIST_WORKER', 'main')} "
                 f"{os.environ.get('PYTEST_XDIST_WORKER_COUNT', '0')}\\n")

@pytest.fixture(scope="module")
def costly(tmp_path_factory):
    _record(tmp_path_factory, "setup")

@pytest.mark.parametrize("n", range(8))
def test_uses_costly(costly, n, tmp_path_factory):
    _record(tmp_path_factory, "costly")

@pytest.mark.parametrize("n", range(8))
def test_free(n, tmp_path_factory):
    _record(tmp_path_factory, "free")

def test_a_started_server_can_be_stopped_with_sigint():
    import subprocess, sys
    out = subprocess.run([sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT))"],
                         capture_output=True, text=True, check=True).stdout
    assert "default_int_handler" in out, out

@pytest.mark.xdist_group("serial")
@pytest.mark.parametrize("n", range(3))
def test_serial(n, tmp_path_factory):
    _record(tmp_path_factory, "serial")
'''


def _run(tmp_path: Path, *args: str) -> list[tuple[str, str, str]]:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_generated.py").write_text(SUITE)
    (suite / "conftest.py").write_text("from tests.conftest import *  # noqa: F401,F403  (its hooks, as a conftest)\n")
    log = tmp_path / "log"
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}  # not ours
    proc = subprocess.run(  # started as from `cmd &` in a script: SIGINT ignored (tests/conftest.py)
        ["sh", "-c", 'trap "" INT; exec "$@"', "sh", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"--basetemp={tmp_path / 'base'}", "--rootdir", str(suite), "-c", os.devnull, *args, str(suite)],
        capture_output=True, text=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT), "GENERATED_SUITE_LOG": str(log)},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "20 passed" in proc.stdout, proc.stdout[-3000:]
    return [tuple(line.split()) for line in log.read_text().splitlines()]  # type: ignore[misc]


def test_plain_n_groups_tests_by_their_module_fixture_and_the_serial_group(tmp_path):
    lines = _run(tmp_path, "-n", "3")
    setups = [worker for what, worker, _ in lines if what == "setup"]
    assert len(setups) == 1, lines  # the module fixture was set up once, by one worker
    assert {worker for what, worker, _ in lines if what == "costly"} == set(setups)
    assert len({worker for what, worker, _ in lines if what == "serial"}) == 1
    assert {count for _, _, count in lines} == {"3"}


def test_auto_starts_two_workers_per_cpu(tmp_path):
    lines = _run(tmp_path, "-n", "auto")
    assert {count for _, _, count in lines} == {str(2 * len(os.sched_getaffinity(0)))}


def test_serial_pytest_still_runs_everything_in_one_process(tmp_path):
    lines = _run(tmp_path, "-p", "no:xdist")
    assert {worker for _, worker, _ in lines} == {"main"} and len(lines) == 20  # 19 recording tests + 1 setup


def test_readme_and_ci_run_the_same_parallel_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^scripts/install-system-deps\.sh && .*$", readme, re.M)
    assert command and command.group(0).endswith("pytest -n auto"), command
    assert command.group(0) in ci.splitlines()


def test_server_ports_are_out_of_the_kernels_reach_and_split_between_workers(monkeypatch):
    from tests.servers import _ephemeral_start, free_port

    shares = []
    for worker in ("gw0", "gw3"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
        ports = [free_port() for _ in range(50)]
        assert len(set(ports)) == 50  # never the same port twice in one process
        assert all(10_000 <= p < _ephemeral_start() for p in ports)  # no outgoing connection takes one
        shares.append(set(ports))
    assert max(shares[0]) < min(shares[1])  # workers 0 and 3 draw from disjoint slices
