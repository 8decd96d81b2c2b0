"""`gitreg web build|serve`: the registry as web pages (a static site, or a local read-only server)."""
from __future__ import annotations

import sys
from typing import Annotated

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Context, Group, Option

app = Group(
    name="web", help="Look at the registry in a browser: a static site or a local server.",
    no_args_is_help=True,
)


def _web():
    """The web package, or one clear line when the optional dependencies are missing."""
    try:
        from gitreg.clients import web
        from gitreg.clients.web import build, server  # noqa: F401  (imports jinja2 and werkzeug)
    except ImportError as exc:
        from gitreg.core.errors import GitregError

        raise GitregError(f"gitreg web needs the 'web' extra ({exc.name} is missing): "
                          "pip install 'git-model-registry[web]'") from None
    return web


@app.command("build")
def build(
    ctx: Context,
    out: Annotated[str, Option("--out", "-o", metavar="DIR", help="Directory to write the site to.")],
) -> None:
    """Write the whole registry as a static site (HTML + CSS, works from file:// and on Pages)."""
    report = _web().build.build(context.registry(ctx), out)
    from gitreg.clients.cli.terminal import plural

    context.say(f"Wrote {plural(report.pages, 'page')} for {plural(report.models, 'model')} to {report.directory} "
                f"(open {report.directory / 'index.html'})")


@app.command("serve")
def serve(
    ctx: Context,
    port: Annotated[int, Option("--port", "-p", min=0, max=65535, help="TCP port (0: any free one).")] = 8765,
    host: Annotated[str, Option("--host", help="Address to listen on; the default is this machine only.")]
    = "127.0.0.1",
) -> None:
    """Serve the pages live from the registry (read-only; every request re-reads the refs)."""
    from gitreg.core.errors import InvalidValueError

    web = _web()
    registry = context.registry(ctx)
    try:
        httpd = web.server.server(registry.path, host, port)
    except OSError as exc:
        raise InvalidValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    shown = f"[{host}]" if ":" in host else host
    context.say(f"Serving {registry.path} on http://{shown}:{httpd.port}/ (Ctrl-C to stop)")
    sys.stdout.flush()  # the address is the first line a supervising script reads
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
