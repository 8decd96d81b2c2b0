"""Pages rendered by path: one router for the static build and the server.

`Site.render(path, query)` turns a site path (urls.py) into HTML; `Site.paths()` lists
every page of the static site. Jinja2 autoescapes every value and `text.finalize`
cleans control characters out of it; only Markup made by gitreg (SVG, the card's
escaped HTML) is printed as markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterator, Mapping, Optional
from urllib.parse import unquote

import jinja2

from gitreg.clients.web import pages, text, urls
from gitreg.core.errors import GitregError

STATIC = (urls.STYLE, urls.SCRIPT, urls.ICON)
_MODEL_PAGE = re.compile(r"m/([^/]+)/(index|page-(\d+)|metrics(?:-(\d+))?|lineage(?:-(\d+))?|deployments|diff"
                         r"|(v[^/]*))\.html")


@dataclass
class Rendered:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gitreg.clients.web", "templates"),
        autoescape=True,  # every template, whatever its name: registry text is untrusted
        finalize=text.finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat per page
    )
    env.filters.update(short=text.short, size=text.size, when=text.when, plural=text.plural)
    return env


def static_file(name: str) -> bytes:
    return resources.files("gitreg.clients.web").joinpath("static", name).read_bytes()


class Site:
    """The pages of one catalog (one read of the registry)."""

    def __init__(self, catalog: pages.Catalog, env: Optional[jinja2.Environment] = None, *,
                 served: bool = False) -> None:
        self.catalog = catalog
        self.env = env or environment()
        self.served = served

    def page(self, template: str, path: str, model: Any) -> bytes:
        html = self.env.get_template(template).render(
            page=model, root=urls.root_of(path), served=self.served, urls=urls,
        )
        return html.encode("utf-8")

    def render(self, path: str, query: Mapping[str, str] | None = None) -> Rendered:
        """The page at `path`; 404 for an unknown path, model or version (never a traceback)."""
        query = query or {}
        path = path.lstrip("/")
        if path == "" or path.endswith("/"):
            path += urls.INDEX
        if path in STATIC:
            kind = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                    ".svg": "image/svg+xml"}[path[path.rindex("."):]]
            return Rendered(200, static_file(path), kind)
        try:
            if path == urls.INDEX:
                return Rendered(200, self.page("index.html", path, pages.index_page(self.catalog)))
            m = _MODEL_PAGE.fullmatch(path)
            if m is None:
                return self.not_found(path, "no such page")
            model = unquote(m.group(1))
            if model not in self.catalog.models:
                return self.not_found(path, f"no model named {model!r} in the registry")
            return Rendered(200, self._model_page(path, model, m, query))
        except GitregError as exc:
            return self.not_found(path, str(exc))

    def _model_page(self, path: str, model: str, m: re.Match[str], query: Mapping[str, str]) -> bytes:
        which = m.group(2)
        cat = self.catalog
        if which == "index" or m.group(3):
            number = int(m.group(3) or 1)
            return self.page("model.html", path, pages.model_page(cat, model, number, served=self.served))
        if which.startswith("metrics"):
            return self.page("metrics.html", path, pages.chart_page(cat, model, int(m.group(4) or 1)))
        if which.startswith("lineage"):
            return self.page("lineage.html", path, pages.lineage_page(cat, model, int(m.group(5) or 1)))
        if which == "deployments":
            return self.page("deployments.html", path, pages.deployments_page(cat, model))
        if which == "diff":
            names = cat.names(model)
            a = query.get("a") or (names[-2] if len(names) > 1 else names[-1] if names else "")
            b = query.get("b") or (names[-1] if names else "")
            return self.page("diff.html", path, pages.diff_page(cat, model, a, b))
        return self.page("version.html", path, pages.version_page(cat, model, unquote(m.group(6))))

    def not_found(self, path: str, why: str) -> Rendered:
        html = self.env.get_template("missing.html").render(
            page={"title": "Not found", "why": why}, root=urls.root_of(path), served=self.served, urls=urls)
        return Rendered(404, html.encode("utf-8"))

    def paths(self) -> Iterator[str]:
        """Every page of the static site (the served-only diff form excluded)."""
        yield urls.INDEX
        for model in self.catalog.models:
            try:
                names = self.catalog.names(model)
            except GitregError:
                continue  # the index says why
            for n in range(1, pages.page_count(len(names), pages.PAGE_SIZE) + 1):
                yield urls.model(model, n)
            for n in range(1, pages.page_count(len(names), pages.WINDOW) + 1):
                yield urls.metrics(model, n)
                yield urls.lineage(model, n)
            yield urls.deployments(model)
            for version in names:
                yield urls.version(model, version)
