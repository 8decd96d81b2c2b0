"""`mlflow server --registry-store-uri gitreg:///...` on 127.0.0.1: its REST API answers
from the git registry (also for versions gitreg wrote itself), writes through it land in
git, and the registry page, loaded in headless Chromium, shows the models.

One server for the module: MLflow's server takes 10-30 s to start."""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from gitreg import ModelRegistry
from tests.conftest import AUTHOR_EMAIL, AUTHOR_NAME, git
from tests.servers import free_port

START_TIMEOUT = 180  # seconds; a loaded CI machine is slow to import MLflow's server


def _mlflow_program() -> str:
    program = Path(sys.executable).with_name("mlflow")
    if not program.exists():
        pytest.fail("the mlflow program is missing: pip install -e '.[test]' (it pulls in mlflow)")
    return str(program)


class Server:
    def __init__(self, root: Path, tracking_uri: str) -> None:
        self.registry = root / "registry.git"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        env = {
            **os.environ, "HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": AUTHOR_NAME, "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
            "GIT_COMMITTER_NAME": AUTHOR_NAME, "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
        }
        env.pop("GIT_CONFIG_GLOBAL", None)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [_mlflow_program(), "server", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", "1", "--backend-store-uri", tracking_uri,
                 "--registry-store-uri", f"gitreg://{self.registry}",
                 "--artifacts-destination", str(root / "artifacts")],
                cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends the server and its workers
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"mlflow server exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if urllib.request.urlopen(f"{self.url}/health", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        pytest.fail(f"mlflow server did not answer in {START_TIMEOUT} s:\n{self.log.read_text()[-3000:]}")

    def api(self, path: str, body: dict | None = None, method: str | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/api/2.0/mlflow/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="module")
def server(tmp_path_factory, tracking_uri):
    srv = Server(tmp_path_factory.mktemp("mlflow-server"), tracking_uri)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def seeded(server):
    """Versions gitreg writes itself, while the server runs: the server reads git on each call."""
    reg = ModelRegistry(server.registry)
    reg.register_model("majora", base_model="Qwen2.5-Coder-7B", evaluation_scores={"accuracy": 0.81},
                       notes="baseline")
    reg.register_model("majora", evaluation_scores={"accuracy": 0.86}, tags=["team=nlp"])
    reg.deploy("majora", "v2", environment="champion", new_environment=True)
    return server


def test_rest_search_answers_from_the_git_registry(seeded):
    code, models = seeded.api("registered-models/search?max_results=10")
    assert code == 200
    (majora,) = [m for m in models["registered_models"] if m["name"] == "majora"]
    assert majora["aliases"] == [{"alias": "champion", "version": "2"}]
    code, versions = seeded.api("model-versions/search?filter=" + urllib.request.quote("name='majora'"))
    assert code == 200
    by_version = {v["version"]: v for v in versions["model_versions"]}
    assert sorted(by_version) == ["1", "2"]
    assert by_version["1"]["description"] == "baseline"
    assert by_version["2"]["tags"] == [{"key": "team", "value": "nlp"}]
    assert by_version["2"]["aliases"] == ["champion"]

    # a version gitreg writes now is in the next answer: the store keeps no state of its own
    ModelRegistry(seeded.registry).register_model("majora", notes="written by gitreg")
    code, one = seeded.api("model-versions/get?name=majora&version=3")
    assert code == 200 and one["model_version"]["description"] == "written by gitreg"


def test_rest_writes_land_in_git_and_deletes_are_refused(seeded):
    code, _ = seeded.api("registered-models/create", {"name": "served", "description": "via REST"})
    assert code == 200
    code, created = seeded.api("model-versions/create", {"name": "served", "source": "s3://bucket/served",
                                                         "run_id": "r-1"})
    assert code == 200 and created["model_version"]["version"] == "1"
    assert created["model_version"]["description"] == ""  # as MLflow's SQL store answers: "" when none given
    code, missing = seeded.api("registered-models/get?name=nosuch")
    assert code == 404 and missing["message"] == "Registered Model with name=nosuch not found"
    code, _ = seeded.api("registered-models/alias", {"name": "served", "alias": "prod", "version": "1"})
    assert code == 200
    manifest = yaml.safe_load(git(seeded.registry, "show", "served/v1:manifest.yaml"))
    assert manifest["mlflow"] == {"source": "s3://bucket/served", "run_id": "r-1"}
    assert yaml.safe_load(git(seeded.registry, "show", "refs/deployed/prod/served:deployment.yaml"))["version"] == "v1"

    code, error = seeded.api("model-versions/delete", {"name": "served", "version": "1"}, method="DELETE")
    assert code == 400 and error["error_code"] == "BAD_REQUEST"
    assert "history only appends" in error["message"]
    assert git(seeded.registry, "tag", "--list", "served/*").split() == ["served/v1"]
    assert "Traceback" not in seeded.log.read_text()  # e.g. no store method MLflow needs is missing


def _chromium() -> str:
    program = shutil.which("chromium") or shutil.which("chromium-browser")
    if program is None:
        pytest.fail("chromium is not installed: apt-get install chromium (scripts/install-system-deps.sh)")
    return program


def test_registry_page_in_headless_chromium_shows_the_models(seeded, tmp_path):
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", f"{seeded.url}/#/models"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", proc.stdout, flags=re.S)))
    words = " ".join(text.split())
    assert "Registered Models" in words or "Latest version" in words, words[:2000]
    assert "majora" in words and "champion" in words  # the model row; its alias column: the deployment
    assert "Version 2" in words  # the version deployed to champion
