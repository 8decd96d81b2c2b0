"""The web view of a registry: a static site (`gitreg web build`) and a local server (`gitreg web serve`).

A client of the facade (ModelRegistry, LineageTracker) and its records: it reads
nothing from storage itself. `pages` says what each page shows, `site` renders
pages with Jinja2 (autoescaping on: registry text is untrusted) and maps them to
paths, `build` writes them all, `server` serves them through werkzeug.
"""
from __future__ import annotations

__all__ = ["build", "pages", "server", "site"]
