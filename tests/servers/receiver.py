"""A real webhook receiver: a WSGI app under werkzeug's server on 127.0.0.1, in a thread.

It checks each request's HMAC signature (X-Gitreg-Signature over "<delivery id>.<timestamp>.<body>")
and records the events it accepted. `fail` makes it answer 503; `stop()`/`start()` take it off
the port and back (connection refused meanwhile), the same port both times.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from typing import Any, Optional

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.servers import free_port


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # no access log on the test's stderr
        pass


class Receiver:
    def __init__(self, secret: Optional[str] = "s3cret") -> None:
        self.secret = secret
        self.port = free_port()
        self.events: list[dict[str, Any]] = []  # accepted, in arrival order (duplicates kept)
        self.bad_signatures = 0
        self.refused = 0
        self.fail = False
        self._server = None
        self._lock = threading.Lock()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def app(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        with self._lock:
            if self.fail:
                self.refused += 1
                return Response("down", status=503)(environ, start_response)
            if self.secret is not None and not self.valid(request.headers, body):
                self.bad_signatures += 1
                return Response("bad signature", status=401)(environ, start_response)
            self.events.append(json.loads(body))
        return Response("ok")(environ, start_response)

    def valid(self, headers, body: bytes) -> bool:
        stamp, delivery = headers.get("X-Gitreg-Timestamp", ""), headers.get("X-Gitreg-Delivery-Id", "")
        mac = hmac.new(self.secret.encode(), f"{delivery}.{stamp}.".encode() + body, hashlib.sha256).digest()
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        return fresh and hmac.compare_digest(headers.get("X-Gitreg-Signature", ""),
                                             "v1," + base64.b64encode(mac).decode())

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True, request_handler=_Quiet)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def unique(self) -> list[dict[str, Any]]:
        """The accepted events once each (by id), in first-arrival order."""
        seen, out = set(), []
        for e in list(self.events):
            if e["id"] not in seen:
                seen.add(e["id"])
                out.append(e)
        return out

    def wait_for(self, count: int, seconds: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.unique()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.unique()
