"""Where each page lives, relative to the site root: the same paths for the static site and the server.

Relative links only (every template prefixes `root`), so the site works from file://,
from a sub-path on GitHub/GitLab Pages, and from `gitreg web serve`. Model and version
names cannot hold '/', so each page is one file; version names start with 'v' and a
digit, so they never collide with the other pages of a model's directory.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

INDEX = "index.html"
STYLE = "style.css"
SCRIPT = "sort.js"
ICON = "favicon.svg"


@lru_cache(maxsize=65536)
def _q(name: str) -> str:
    return quote(name, safe="")


def model(name: str, page: int = 1) -> str:
    return f"m/{_q(name)}/index.html" if page <= 1 else f"m/{_q(name)}/page-{page}.html"


def version(name: str, ver: str) -> str:
    return f"m/{_q(name)}/{_q(ver)}.html"


def metrics(name: str, page: int = 1) -> str:
    return f"m/{_q(name)}/metrics.html" if page <= 1 else f"m/{_q(name)}/metrics-{page}.html"


def lineage(name: str, page: int = 1) -> str:
    return f"m/{_q(name)}/lineage.html" if page <= 1 else f"m/{_q(name)}/lineage-{page}.html"


def deployments(name: str) -> str:
    return f"m/{_q(name)}/deployments.html"


def diff(name: str) -> str:
    """Served only: two versions picked in a form (`?a=v1&b=v3`); the static site shows each
    version's diff from the previous one on its own page."""
    return f"m/{_q(name)}/diff.html"


def root_of(path: str) -> str:
    """The relative prefix from `path` back to the site root ('' or '../../')."""
    return "../" * path.count("/")
