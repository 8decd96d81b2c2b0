"""`gitreg web serve`: the same pages, live, through werkzeug (a WSGI stack, not a hand-made parser).

Read-only: GET and HEAD only. Each request opens the registry afresh, so a version
registered or deployed a second ago is on the next page load. Bound to 127.0.0.1
unless told otherwise; every response forbids scripts and fetches from elsewhere.
"""
from __future__ import annotations

import os
import socket
import sys
from typing import Any, Iterable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from gitreg.api.registry import ModelRegistry
from gitreg.clients.web import pages, site

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _Handler(WSGIRequestHandler):
    """werkzeug's request log, without its ANSI colours when stderr is not a colour terminal
    (a log file, a pipe, NO_COLOR): `"GET /x HTTP/1.1" 404 -` as plain text."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
            return super().log_request(code, size)
        self.log("info", '"%s" %s %s', self.requestline.translate(self._control_char_table), code, size)


class WebApp:
    """The WSGI application: one fresh catalog per request, no writes."""

    def __init__(self, registry_path: str | os.PathLike[str] | None) -> None:
        self.registry_path = registry_path
        self.env = site.environment()

    def open_registry(self) -> ModelRegistry:
        """The registry one request reads (a fresh one each time: nothing is kept between requests)."""
        return ModelRegistry(self.registry_path, offline=True)

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        if request.method not in ("GET", "HEAD"):
            response = Response("read-only: GET and HEAD only\n", status=405, headers={"Allow": "GET, HEAD"},
                                content_type="text/plain; charset=utf-8")
        else:
            registry = self.open_registry()
            with registry.one_read():  # each model's refs listed once per page, one moment's view
                catalog = pages.Catalog(registry)
                args = {k: v for k, v in request.args.items() if k in ("a", "b")}
                rendered = site.Site(catalog, self.env, served=True).render(request.path, args)
            response = Response(rendered.body, status=rendered.status, content_type=rendered.content_type)
        response.headers.update(SECURITY_HEADERS)
        return response(environ, start_response)


def server(registry_path: str | os.PathLike[str] | None, host: str = "127.0.0.1", port: int = 8765) -> BaseWSGIServer:
    """A threaded werkzeug server for the registry (call serve_forever(); port 0 picks a free one).

    The socket is bound here, so a port in use is an OSError for the caller to report
    (werkzeug's own bind prints advice and exits the process).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family)
    try:
        httpd = make_server(host, sock.getsockname()[1], WebApp(registry_path), threaded=True, fd=sock.fileno(),
                            request_handler=_Handler)
    finally:
        sock.close()  # werkzeug holds its own duplicate of the descriptor
    return httpd
