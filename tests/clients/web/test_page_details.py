"""Details of the pages a user noticed (issue 24): plurals, a chart of one point, a "Changes
from" table with long values at 1,300 px, seen in the real headless chromium."""
from __future__ import annotations

from gitreg.clients.web.build import build
from tests.clients.cli.conftest import run_gitreg


def test_one_model_one_version_one_point(browser, reg, registry_path, tmp_path):
    reg.register_model("solo", evaluation_scores={"eval_loss": 2.522})
    build(reg, tmp_path / "site")
    browser.open((tmp_path / "site" / "index.html").as_uri())
    assert "1 model." in browser.one("main").text
    browser.open((tmp_path / "site" / "m" / "solo" / "metrics.html").as_uri())
    assert browser.one("figcaption").text == "eval_loss (1 version)"
    labels = [t.text for t in browser.css("svg.chart > text")]
    assert labels == ["2.522", "v1"]  # one value, one version: not "2.522 … 2.522", "v1 … v1"
    point = browser.one("svg.chart circle.point")
    assert point.get_attribute("cx") == "360.0"  # in the middle of the chart
    cloned = run_gitreg("clone", str(registry_path), str(tmp_path / "clone.git"))
    assert cloned.code == 0 and cloned.out.endswith(": 1 model, 1 version\n")
    built = run_gitreg("-R", str(registry_path), "web", "build", "-o", str(tmp_path / "again"))
    assert built.code == 0 and "for 1 model to" in built.out


def test_changes_table_stays_inside_the_page_at_1300px(browser, reg, tmp_path):
    long_word = "checkpoint-" + "0123456789abcdef" * 12
    reg.register_model("majora", notes="short", tags=["a"])
    reg.register_model("majora", notes=long_word, tags=[long_word, "b" * 150], parent_version="v1")
    build(reg, tmp_path / "site")
    browser.set_window_size(1300, 900)
    try:
        browser.open((tmp_path / "site" / "m" / "majora" / "v2.html").as_uri())
        overflow = browser.execute_script(
            "const t = document.querySelector('table.diff').getBoundingClientRect();"
            "const m = document.querySelector('main').getBoundingClientRect();"
            "return [t.right - m.right, document.documentElement.scrollWidth - window.innerWidth];")
        wide = browser.execute_script(
            "return Array.from(document.querySelectorAll('main *'), e => [e.tagName, e.className,"
            " e.getBoundingClientRect().right]).filter(x => x[2] > window.innerWidth).slice(0, 5);")
        assert overflow[0] <= 0 and overflow[1] <= 0, (overflow, wide)
        assert long_word[:40] in browser.one("table.diff").text
    finally:
        browser.set_window_size(1280, 900)
