"""Events from a real server: Apache smart HTTP with `gitreg server install`, pushes from real
clones, and a real receiver (WSGI under werkzeug on 127.0.0.1) checking every signature."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from typing import Iterator, Optional

import pytest

from gitreg import ModelRegistry
from tests.features.events.approvals import approve
from tests.servers.apache import RUN_AS, Apache, running
from tests.servers.receiver import Receiver

SECRET_ENV, SECRET = "GITREG_WEBHOOK_SECRET", "s3cret"


class SecretApache(Apache):
    """The server's environment holds the webhook secret (SetEnv reaches the CGI and its hooks)."""

    def _config(self) -> str:
        return super()._config() + f"SetEnv {SECRET_ENV} {SECRET}\n"


@pytest.fixture
def server(tmp_path) -> Iterator[Apache]:
    subprocess.run(["git", "config", "--global", "--add", "safe.directory", "*"], check=True)
    import tests.servers.apache as apache_module

    original = apache_module.Apache
    apache_module.Apache = SecretApache  # `running` builds the class named here
    try:
        with running(tmp_path / "apache") as apache:
            yield apache
    finally:
        apache_module.Apache = original


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(SECRET)
    yield r
    r.stop()


def gitreg(*args: str, env: Optional[dict] = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitreg", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def hook_python() -> list[str]:
    """`--python` for the hooks when the server's user cannot run this interpreter (a pyenv under
    a 0700 home): the system Python of the same minor version, which reads our site-packages."""
    if subprocess.run(["runuser", "-u", RUN_AS, "--", sys.executable, "-c", ""], capture_output=True).returncode == 0:
        return []
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/usr/local/bin")
    if system is None:
        pytest.fail(f"{RUN_AS} cannot run {sys.executable} and there is no system python{sys.version_info.major}."
                    f"{sys.version_info.minor}: install the Debian package python3", pytrace=False)
    return ["--python", system]


def serve(server: Apache, receiver: Receiver, retries: int = 10, backoff: float = 0.1) -> str:
    """A served registry with gitreg's hooks and the receiver as its one webhook; its URL."""
    url = server.repo()
    path = str(server.path())
    for args in (("server", "install", path, *hook_python()),
                 ("-R", path, "webhook", "add", receiver.url, "--secret-env", SECRET_ENV, "--name", "rc")):
        done = gitreg(*args)
        assert done.returncode == 0, done.stderr
    for key, value in (("gitreg.eventsRetries", str(retries)), ("gitreg.eventsBackoff", str(backoff))):
        subprocess.run(["git", f"--git-dir={path}", "config", key, value], check=True)
    return url


def clone(server: Apache, url: str, path) -> ModelRegistry:
    reg = ModelRegistry(path)
    reg.init()
    server.credentials(reg.path)
    reg.add_remote("origin", url)
    reg.pull()
    return reg


def replay(server: Apache, tmp_path) -> list[dict]:
    """Every event of the server's whole history, re-derived from a mirror of it."""
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(server.path()), str(mirror)], check=True)
    return [e.as_dict() for e in ModelRegistry(mirror).events(since="2000-01-01")]


def deliveries(server: Apache) -> list[dict]:
    return ModelRegistry(server.path()).deliveries()


def wait_until(check, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def summary(events) -> list[tuple]:
    return [(e["type"], e["model"], e["version"], e["environment"]) for e in events]


def per_ref(events) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in events:
        out.setdefault(e["ref"], []).append(e["id"])
    return out


def test_a_day_of_work_from_three_clones_is_delivered_once_each_signed(server, receiver, tmp_path):
    url = serve(server, receiver)
    ada, bob, cy = (clone(server, url, tmp_path / f"{n}.git") for n in ("ada", "bob", "cy"))
    ada.register_model("majora", evaluation_scores={"accuracy": 0.8})
    bob.register_model("majora", parent_version="v1")
    cy.register_model("minora")
    ada.update_evaluation_scores("majora", "v2", accuracy=0.9)
    bob.deploy("majora", "v1", environment="production")
    cy.deploy("majora", "v2", environment="production", reason="better")
    ada.rollback("majora", environment="production", reason="latency")
    approve(bob.path, "majora", "v2", "production", "ada@example.com", "ok after fix")
    subprocess.run(["git", f"--git-dir={bob.path}", "push", "-q", "origin", "refs/gitreg/approvals/majora"],
                   check=True, capture_output=True)

    expected = [
        ("version.registered", "majora", "v1", None),
        ("version.registered", "majora", "v2", None),
        ("version.registered", "minora", "v1", None),
        ("version.scored", "majora", "v2", None),
        ("deployment.deployed", "majora", "v1", "production"),
        ("deployment.deployed", "majora", "v2", "production"),
        ("version.status_changed", "majora", "v1", None),
        ("deployment.rolled_back", "majora", "v1", "production"),
        ("version.status_changed", "majora", "v1", None),
        ("version.status_changed", "majora", "v2", None),
        ("approval.added", "majora", "v2", "production"),
    ]
    got = receiver.wait_for(len(expected))
    assert summary(got) == expected
    assert receiver.bad_signatures == 0
    # the server's outbox and a re-derivation of its whole history agree, id for id
    assert sorted(e["id"] for e in replay(server, tmp_path)) == sorted(e["id"] for e in got)
    assert {e["pusher"] for e in got} == {"alice"}  # Apache's REMOTE_USER
    wait_until(lambda: all(d["outcome"] == "delivered" for d in deliveries(server)) and
               len(deliveries(server)) == len(expected))


def test_a_receiver_down_for_a_while_gets_everything_after_in_order(server, receiver, tmp_path):
    url = serve(server, receiver, retries=12, backoff=0.1)
    receiver.stop()
    ada = clone(server, url, tmp_path / "ada.git")
    for n in range(3):
        ada.register_model("m")
        ada.deploy("m", f"v{n + 1}", environment="staging", new_environment=True)
    wait_until(lambda: any(d["outcome"] == "retrying" for d in deliveries(server)))
    listed = gitreg("-R", str(server.path()), "events", "deliveries")
    assert listed.returncode == 0 and "retrying" in listed.stdout and "Connection refused" in listed.stdout
    time.sleep(1)
    receiver.start()
    got = receiver.wait_for(3 + 3 + 2)  # 3 registered, 3 deployed, 2 replaced versions deprecated
    assert per_ref(got) == per_ref(replay(server, tmp_path))
    assert [e["version"] for e in got if e["type"] == "deployment.deployed"] == ["v1", "v2", "v3"]
    assert receiver.bad_signatures == 0


def test_a_receiver_that_always_fails_never_fails_the_push(server, receiver, tmp_path):
    url = serve(server, receiver, retries=3, backoff=0.05)
    receiver.fail = True
    ada = clone(server, url, tmp_path / "ada.git")
    ada.register_model("m")  # the push succeeds: the hook only spools
    assert subprocess.run(["git", f"--git-dir={server.path()}", "rev-parse", "refs/tags/m/v1"],
                          capture_output=True).returncode == 0
    wait_until(lambda: any(d["outcome"] == "failed" for d in deliveries(server)))
    listed = gitreg("-R", str(server.path()), "events", "deliveries")
    assert "failed" in listed.stdout and "attempts=3" in listed.stdout and "HTTP 503" in listed.stdout
    as_json = gitreg("-R", str(server.path()), "events", "deliveries", "--json").stdout
    every = [json.loads(line) for line in as_json.splitlines()]
    assert [(d["attempt"], d["outcome"], d["status"]) for d in every] == [(1, "retrying", 503), (2, "retrying", 503),
                                                                         (3, "failed", 503)]
    event_id = deliveries(server)[-1]["event"]
    receiver.fail = False
    unsigned = gitreg("-R", str(server.path()), "events", "redeliver", event_id[:10])
    assert unsigned.returncode == 1 and f"${SECRET_ENV} is not set" in unsigned.stdout + unsigned.stderr
    assert receiver.bad_signatures == 1
    again = gitreg("-R", str(server.path()), "events", "redeliver", event_id[:10], env={SECRET_ENV: SECRET})
    assert again.returncode == 0, again.stderr
    assert summary(receiver.unique()) == [("version.registered", "m", "v1", None)]
    assert deliveries(server)[-1]["outcome"] == "delivered"
