"""Who approved what (issue 22) in the web view: per version on its page, and every approval of
the model on its deployments (history) page, in the real headless chromium; a bad approval
record is skipped and named, the others still shown."""
from __future__ import annotations

import subprocess

from gitreg.clients.web.build import build
from gitreg.clients.web.text import when
from tests.clients.web.test_serve import served  # noqa: F401  (gitreg web serve on 127.0.0.1)
from tests.clients.web.test_static_site import rows


def _as(monkeypatch, email: str) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_EMAIL", email)


def _bad_approval(path, model: str) -> None:
    """Append a commit whose approval.yaml is not an approval, with plain git (as a pusher could)."""
    def git(*args: str, data: str | None = None) -> str:
        return subprocess.run(["git", "-C", str(path), *args], input=data, capture_output=True,
                              text=True, check=True).stdout.strip()
    ref = f"refs/gitreg/approvals/{model}"
    blob = git("hash-object", "-w", "--stdin", data="schema: gitreg/1\nmodel: other\n")
    tree = git("mktree", data=f"100644 blob {blob}\tapproval.yaml\n")
    commit = git("commit-tree", tree, "-p", git("rev-parse", ref), "-m", "approve nothing")
    git("update-ref", ref, commit)


def test_approvals_on_version_and_history_pages(browser, reg, registry_path, tmp_path, monkeypatch):
    reg.register_model("m", evaluation_scores={"accuracy": 0.9})
    reg.register_model("m", parent_version="v1")
    _as(monkeypatch, "alice@example.com")
    reg.approve("m", "v1", environment="production", reason="eval <b>ok</b>")
    _bad_approval(registry_path, "m")
    _as(monkeypatch, "bob@example.com")
    reg.approve("m", "v1", environment="production")
    reg.approve("m", "v2", environment="staging", reason="smoke test")
    build(reg, tmp_path / "site")

    browser.open((tmp_path / "site" / "m" / "m" / "v1.html").as_uri())
    table = rows(browser, "table.approvals")
    assert [r[1:4] for r in table] == [["production", "alice@example.com", "eval <b>ok</b>"],
                                       ["production", "bob@example.com", ""]]
    assert browser.css("table.approvals b") == []  # the reason is text, not markup
    recorded = reg.approvals("m")
    assert [r[0] for r in table] == [when(a.time) for a in recorded[:2]]
    assert [r[4] for r in table] == [a.commit[:12] for a in recorded[:2]]

    browser.open((tmp_path / "site" / "m" / "m" / "v2.html").as_uri())
    assert [r[1:4] for r in rows(browser, "table.approvals")] == [["staging", "bob@example.com", "smoke test"]]

    browser.open((tmp_path / "site" / "m" / "m" / "deployments.html").as_uri())
    history = rows(browser, "table.approvals")
    assert [r[1:4] for r in history] == [["v2", "staging", "bob@example.com"], ["v1", "production", "bob@example.com"],
                                         ["v1", "production", "alice@example.com"]]  # newest first
    link = browser.one("table.approvals tbody tr:first-child a")
    assert link.text == "v2" and link.get_attribute("href").endswith("/m/m/v2.html")
    assert "not an approval of m" in (tmp_path / "site" / "m" / "m" / "index.html").read_text()  # named


def test_no_approvals_says_so(browser, reg, tmp_path):
    reg.register_model("m")
    build(reg, tmp_path / "site")
    browser.open((tmp_path / "site" / "m" / "m" / "v1.html").as_uri())
    assert "No approvals recorded for v1." in browser.one("main").text
    browser.open((tmp_path / "site" / "m" / "m" / "deployments.html").as_uri())
    assert "No approvals recorded." in browser.one("main").text


def test_served_pages_show_an_approval_made_while_serving(served, reg, monkeypatch):  # noqa: F811
    """`gitreg web serve` reads the registry per request: an approval appears on the next one."""
    status, _, body = served.get("m/majora/v2.html")
    assert status == 200 and "No approvals recorded for v2." in body
    _as(monkeypatch, "carol@example.com")
    reg.approve("majora", "v2", environment="production", reason="<i>looks good</i>")
    _, _, body = served.get("m/majora/v2.html")
    assert "carol@example.com" in body and "&lt;i&gt;looks good&lt;/i&gt;" in body and "<i>" not in body
    _, _, body = served.get("m/majora/deployments.html")
    assert '<a href="../../m/majora/v2.html">v2</a></td><td>production</td><td>carol@example.com' in body
