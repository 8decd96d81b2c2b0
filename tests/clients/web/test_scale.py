"""A long model through the server: one page of the table reads one page of versions (DESIGN: bounded)."""
from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from gitreg.clients.web.build import MAX_PAGE
from gitreg.clients.web.server import WebApp
from tests.clients.web.conftest import fixtures
from tests.conftest import trials


@pytest.mark.scale
def test_served_pages_of_a_long_model_stay_small(tmp_path):
    depth = trials(ci=700, full=100_000)
    path = tmp_path / "chain.git"
    fixtures.build_chain(path, depth)
    client = Client(WebApp(path))
    pages = -(-depth // 100)
    response = client.get(f"/m/chain/page-{pages}.html")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(response.data) < MAX_PAGE
    shown = re.findall(r'<th scope="row"><a href="\.\./\.\./m/chain/(v\d+)\.html"', html)
    assert shown == [f"v{k}" for k in range(depth - (pages - 1) * 100, 0, -1)]
    assert f"of {depth}" in html and f"page {pages} of {pages}" in html
    chart = client.get("/m/chain/metrics.html")
    assert chart.status_code == 200 and len(chart.data) < MAX_PAGE
    figure = re.search(r'<figure class="chart" data-metric="accuracy">.*?</figure>', chart.get_data(as_text=True), re.S)
    points = re.findall(r'class="point" data-version="(v\d+)"', figure.group())
    assert points == [f"v{k}" for k in range(depth - 499, depth + 1)]  # the newest 500, oldest first
