"""`gitreg web serve` as a real process on 127.0.0.1, read by urllib and by headless chromium."""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.clients.web.build import build


class Served:
    def __init__(self, proc: subprocess.Popen, url: str) -> None:
        self.proc, self.url = proc, url

    def get(self, path: str = "", method: str = "GET"):
        request = urllib.request.Request(self.url + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=20) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()


def start(registry: Path, *args: str) -> Served:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitreg", "-R", str(registry), "web", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline and not line:
        ready, _, _ = select.select([proc.stdout], [], [], 1)
        if ready:
            line = proc.stdout.readline()
        if proc.poll() is not None:
            break
    m = re.search(r"on (http://\S+/)", line)
    if m is None:
        proc.kill()
        pytest.fail(f"gitreg web serve did not start: {line!r} {proc.stderr.read()}")
    return Served(proc, m.group(1))


@pytest.fixture
def served(reg, registry_path):
    reg.register_model("majora", evaluation_scores={"accuracy": 0.5}, notes="<script>alert(1)</script>")
    reg.register_model("majora", parent_version="v1", evaluation_scores={"accuracy": 0.6})
    reg.deploy("majora", "v1")
    server = start(registry_path)
    yield server
    os.killpg(server.proc.pid, signal.SIGINT)
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait()


def test_serves_the_pages_on_localhost_by_default(served):
    assert served.url.startswith("http://127.0.0.1:")
    status, headers, body = served.get()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
    assert 'href="m/majora/index.html"' in body
    status, _, body = served.get("m/majora/v1.html")
    assert status == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body
    status, headers, css = served.get("style.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and "font" in css


def test_each_request_rereads_the_registry(served, reg):
    assert "v3" not in served.get("m/majora/index.html")[2]
    reg.register_model("majora", evaluation_scores={"accuracy": 0.7})
    reg.deploy("majora", "v3", environment="staging", new_environment=True)
    status, _, body = served.get("m/majora/index.html")
    assert status == 200 and 'href="../../m/majora/v3.html"' in body and "staging: " in body
    assert served.get("m/majora/v3.html")[0] == 200


def test_read_only_and_unknown_pages(served):
    assert served.get("", method="POST")[0] == 405
    assert served.get("m/majora/v1.html", method="DELETE")[0] == 405
    status, _, body = served.get("m/nosuch/index.html")
    assert status == 404 and "no model named" in body
    status, _, body = served.get("m/majora/v9.html")
    assert status == 404 and "has no version" in body
    assert served.get("../../etc/passwd")[0] == 404
    assert served.get("m/majora/index.html")[0] == 200  # still serving after bad requests


def test_diff_of_two_versions_in_the_browser(served, browser):
    browser.open(served.url + "m/majora/index.html")
    form = browser.one("form.diff")
    from selenium.webdriver.support.select import Select

    Select(form.find_element("css selector", "select[name=a]")).select_by_visible_text("v1")
    form.find_element("css selector", "button").click()
    assert "a=v1" in browser.current_url and "b=v2" in browser.current_url
    changed = {tr.find_element("css selector", "th").text: [td.text for td in tr.find_elements("css selector", "td")]
               for tr in browser.css("#diff tbody tr.changed")}
    assert changed["evaluation_scores.accuracy"][:2] == ["0.5", "0.6"]
    assert changed["parent_version"][:2] == ["", "v1"]
    assert browser.console_errors() == []


def test_the_same_pages_as_the_static_site(served, registry_path, tmp_path):
    build(ModelRegistry(registry_path), tmp_path / "site")
    for path in ("index.html", "m/majora/v2.html", "m/majora/metrics.html", "m/majora/lineage.html"):
        static = (tmp_path / "site" / path).read_text()
        assert served.get(path)[2] == static, path


def test_bad_port_is_one_line_error(registry_path, served):
    port = served.url.rsplit(":", 1)[1].strip("/")
    proc = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(registry_path), "web", "serve", "--port", port],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith("gitreg: error: cannot listen on 127.0.0.1:")
    assert len(proc.stderr.splitlines()) == 1


def test_a_redirected_log_has_no_colour_codes(served):
    """werkzeug colours a 404's request line; stderr here is a pipe, as a log file is (issue 24)."""
    assert served.get("m/nosuch/index.html")[0] == 404
    assert served.get("m/majora/v1.html")[0] == 200
    os.killpg(served.proc.pid, signal.SIGINT)
    log = served.proc.stderr.read()
    assert '"GET /m/nosuch/index.html HTTP/1.1" 404' in log and '"GET /m/majora/v1.html HTTP/1.1" 200' in log
    assert "\x1b" not in log
