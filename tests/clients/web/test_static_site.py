"""The static site in a real headless chromium, opened from file:// (no server at all)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException

from gitreg import LineageTracker, ModelRegistry
from gitreg.clients.web.build import MAX_PAGE
from tests.clients.web.conftest import BIG_VERSIONS


def rows(browser, table: str) -> list[list[str]]:
    """The rendered text of every body cell, read in one round trip."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'), tr =>"
        " Array.from(tr.querySelectorAll('th, td'), c => c.innerText.trim()))", table)


def test_index_lists_every_model_with_latest_and_badges(browser, demo_site):
    reg = ModelRegistry(demo_site.registry)
    browser.open(demo_site.url())
    listed = [r[0] for r in rows(browser, "#models")]
    assert listed == reg.list_models() == ["majora", "minor", "solo"]
    majora = rows(browser, "#models")[0]
    assert majora[1] == "6" and majora[2].startswith(reg.get_latest("majora").version)
    assert "production: v2" in majora[4] and "staging: v3" in majora[4]
    assert browser.console_errors() == []  # the stylesheet and script load from file://, nothing else is fetched


def test_version_page_shows_metrics_files_card_and_lineage(browser, demo_site):
    reg = ModelRegistry(demo_site.registry)
    v4 = reg.get_version("majora", "v4")
    browser.open(demo_site.url("m/majora/v4.html"))
    metrics = dict((k, v) for k, v in rows(browser, "#metrics-table"))
    assert metrics == {"accuracy": "0.7", "f1_score": "0.48"} == {
        k: f"{v:.4g}" for k, v in v4.evaluation_scores.flat().items()}
    files = rows(browser, "#files-table")
    name = Path(v4.files[0].path).name  # not the registering machine's directories (issue 24)
    assert files == [["lora", name, "4.0 KiB", v4.files[0].sha256[:12], "not stored"]]
    assert str(Path(v4.files[0].path).parent) not in browser.one("#files-table").text
    assert "Ancestors, nearest first: v2 ← v1" in browser.one("main").text
    assert "Trained from this version: v5" in browser.one("main").text
    browser.one("a[href$='m/majora/v2.html']").click()  # a relative link works from file://
    assert browser.current_url.endswith("/m/majora/v2.html")
    assert browser.one("article.card h3").text == "Majora v2"


def test_stored_files_are_marked(browser, demo_site):
    stored = ModelRegistry(demo_site.registry).get_version("minor", "v2").files[0]
    assert stored.stored == "lfs"
    browser.open(demo_site.url("m/minor/v2.html"))
    assert rows(browser, "#files-table") == [["lora", f"artifacts/lora/{Path(stored.path).name}", "4.0 KiB",
                                              stored.sha256[:12], "stored (lfs)"]]


def test_hostile_note_and_card_show_as_text(browser, demo_site):
    browser.open(demo_site.url("m/majora/v3.html"))
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert browser.title == "majora v3 · gitreg"  # the note's script did not run
    note = browser.one("#notes").text
    assert "<script>document.title=\"pwned\"</script>" in note and "<b>bold</b>" in note
    assert "\\x1b[31mred" in note and "\x1b" not in browser.page_source
    assert browser.execute_script("return document.querySelectorAll('main script, main b, main img').length") == 0
    browser.open(demo_site.url("m/majora/v2.html"))
    card = browser.one("article.card").text
    assert "<img src=x onerror=alert(1)>" in card and "<script>alert(2)</script>" in card
    assert browser.css("article.card img") == [] and browser.css("article.card code")[0].text == "oracle"


def test_chart_has_one_point_per_version(browser, demo_site):
    reg = ModelRegistry(demo_site.registry)
    browser.open(demo_site.url("m/majora/metrics.html"))
    points = browser.css("figure[data-metric='accuracy'] circle.point")
    assert [p.get_attribute("data-version") for p in points] == [v.version for v in reg.list_versions("majora")]
    with_f1 = [v.version for v in reg.list_versions("majora") if v.evaluation_scores.f1_score is not None]
    assert [p.get_attribute("data-version") for p in browser.css("figure[data-metric='f1_score'] circle.point")] \
        == with_f1
    ys = [float(p.get_attribute("cy")) for p in points]
    assert ys == sorted(ys, reverse=True)  # accuracy rises with every version: each point higher up


def test_lineage_graph_has_an_edge_per_parent_across_models(browser, demo_site):
    tracker = LineageTracker(demo_site.registry)
    for model in ("majora", "minor"):
        browser.open(demo_site.url(f"m/{model}/lineage.html"))
        edges = {(e.get_attribute("data-parent"), e.get_attribute("data-child")) for e in browser.css("path.edge")}
        expected = {(p, v) for v, p in tracker.get_parents(model).items() if p}
        assert edges == expected and len(browser.css("path.edge")) == len(expected)
    assert ("majora:v3", "v1") in edges  # minor v1 was trained from another model's version
    external = browser.one("circle.node.external")
    assert external.get_attribute("data-key") == "majora:v3"


def test_deployment_timeline_per_environment(browser, demo_site):
    reg = ModelRegistry(demo_site.registry)
    browser.open(demo_site.url("m/majora/deployments.html"))
    production = browser.css("section")[0]
    assert production.find_element("css selector", "h2").text == "production"
    spans = [r[:] for r in rows(browser, "section:first-of-type table")]
    history = reg.deployment_history("majora", "production")
    assert [s[2] for s in spans] == [d.version for d in reversed(history)] == ["v2", "v4", "v2"]
    assert spans[0][1] == "now" and spans[1][1] == spans[0][0]  # each span ends where the next begins
    assert "better <accuracy>" in spans[1][6]


def test_pagination_of_a_long_versions_table(browser, big_site):
    browser.open(big_site.url("m/model-0000/index.html"))
    first = rows(browser, "#versions")
    assert len(first) == 100 and first[0][0] == f"v{BIG_VERSIONS}" and first[-1][0] == "v151"
    assert "versions 1–100 of 250" in browser.one(".pager").text
    browser.one(".pager a[rel=next]").click()
    browser.one(".pager a[rel=next]").click()
    last = rows(browser, "#versions")
    assert [r[0] for r in last] == [f"v{k}" for k in range(50, 0, -1)]
    assert browser.css(".pager a[rel=next]") == [] and browser.one(".pager [aria-current=page]").text == "3"
    browser.one(".pager a[rel=prev]").click()
    assert rows(browser, "#versions")[0][0] == "v150"
    browser.open(big_site.url("m/model-0000/metrics.html"))
    assert len(browser.css("figure[data-metric='accuracy'] circle.point")) == BIG_VERSIONS


def test_sorting_is_a_progressive_enhancement(browser, big_site):
    browser.open(big_site.url("m/model-0000/index.html"))
    button = browser.one("#versions thead th button")  # added by sort.js; the page works without it
    button.click()
    assert [r[0] for r in rows(browser, "#versions")][:3] == ["v151", "v152", "v153"]  # natural order
    button.click()
    assert rows(browser, "#versions")[0][0] == "v250"


def test_keyboard_reaches_the_content_first(browser, demo_site):
    from selenium.webdriver.common.keys import Keys

    browser.open(demo_site.url())
    browser.one("body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.text == "Skip to content" and focused.get_attribute("href").endswith("#main")


def test_every_page_is_small_and_self_contained(demo_site, big_site):
    for site in (demo_site, big_site):
        for page in site.out.rglob("*.html"):
            html = page.read_text()
            assert len(html.encode()) < MAX_PAGE, page
            links = re.findall(r'(?:href|src|action)="([^"]*)"', html)
            assert links and not [u for u in links if "://" in u or u.startswith("/")], page
