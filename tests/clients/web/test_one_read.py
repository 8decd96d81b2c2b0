"""A served page reads each model's refs once (one snapshot per request), and shows what
a page read without sharing shows."""
from __future__ import annotations

import pytest
from werkzeug.test import Client

from gitreg import ModelRegistry
from gitreg.clients.web import pages, site
from gitreg.clients.web.server import WebApp


class _Recording(WebApp):
    """The server's app, keeping the registry each request opened (to read its ref_listings)."""

    def open_registry(self) -> ModelRegistry:
        self.opened = super().open_registry()
        return self.opened


@pytest.mark.parametrize("path", ["/m/model-0000/page-2.html", "/m/model-0000/index.html",
                                  "/m/model-0000/v7.html", "/m/model-0000/metrics.html"])
def test_a_served_page_lists_the_models_tags_once(big_site, path):
    app = _Recording(big_site.registry)
    response = Client(app).get(path)
    assert response.status_code == 200
    assert app.opened.ref_listings["refs/tags/model-0000/"] == 1

    unshared = ModelRegistry(big_site.registry, offline=True)
    rendered = site.Site(pages.Catalog(unshared), site.environment(), served=True).render(path, {})
    assert response.data == rendered.body  # the same page
    if path.endswith(("page-2.html", "index.html")):  # names, then a page of versions: listed twice
        assert unshared.ref_listings["refs/tags/model-0000/"] >= 2
