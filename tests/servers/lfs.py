"""A real Git LFS server for tests: giftless (Flask) with its local storage, on 127.0.0.1.

giftless answers the LFS batch API at http://127.0.0.1:<port>/<org>/<repo>/objects/batch,
so a registry's `lfs.url` is http://127.0.0.1:<port>/<org>/<repo>. Objects land in
<storage>/<org>/<repo>/<oid>, where a test can count (dedup) or corrupt them.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, stop_process, wait_for_port

CONFIG = """\
TRANSFER_ADAPTERS:
  basic:
    factory: giftless.transfer.basic_streaming:factory
    options:
      storage_class: giftless.storage.local_storage:LocalStorage
      storage_options:
        path: {storage}
AUTH_PROVIDERS:
  - giftless.auth.allow_anon:read_write
PRE_AUTHORIZED_ACTION_PROVIDER:
  factory: giftless.auth.jwt:factory
  options:
    algorithm: HS256
    private_key: {key}
    default_lifetime: 600
    key_id: giftless-internal-jwt-key
"""
START_SECONDS = 30


class LfsServer:
    """giftless on 127.0.0.1; `transfer` replaces the local-storage TRANSFER_ADAPTERS block (e.g.
    tests/servers/seaweedfs.py's S3 one), `env` is added to its environment (credentials)."""

    def __init__(self, root: Path, transfer: str | None = None, env: dict[str, str] | None = None) -> None:
        try:
            import giftless  # noqa: F401
        except ImportError:
            pytest.fail("giftless is not installed: pip install -e '.[test]' (it is in the test extra)")
        self.storage = root / "lfs-storage"
        self.storage.mkdir(parents=True)
        config = root / "giftless.yaml"
        # giftless signs its upload/download tokens with this key (its default, "change-me",
        # is shorter than PyJWT wants for HS256)
        text = CONFIG.format(storage=self.storage, key=secrets.token_hex(32))
        if transfer is not None:
            text = transfer + text[text.index("AUTH_PROVIDERS:"):]
        config.write_text(text)
        self.port = free_port()
        self.log = root / "giftless.log"
        env = {**os.environ, **(env or {}), "GIFTLESS_CONFIG_FILE": str(config), "PYTHONWARNINGS": "ignore"}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "giftless.wsgi_entrypoint", "run",
                 "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=root,
            )
        try:
            wait_for_port(self.port, lambda: self.proc.poll() is None, "giftless", self.log, START_SECONDS)
        except BaseException:
            self.stop()
            raise

    def url(self, repo: str) -> str:
        """The LFS endpoint (lfs.url) of one repository on this server."""
        return f"http://127.0.0.1:{self.port}/gitreg/{repo}"

    def objects(self, repo: str) -> dict[str, int]:
        """{oid: size} of what the server stores for `repo`."""
        base = self.storage / "gitreg" / repo
        return {p.name: p.stat().st_size for p in base.rglob("*") if p.is_file()} if base.exists() else {}

    def object_file(self, repo: str, oid: str) -> Path:
        found = [p for p in (self.storage / "gitreg" / repo).rglob(oid) if p.is_file()]
        assert found, f"object {oid} is not on the server"
        return found[0]

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture(scope="session")
def lfs_server(tmp_path_factory):
    """One giftless server for the session; each test uses its own repository name on it."""
    server = LfsServer(tmp_path_factory.mktemp("giftless"))
    yield server
    server.stop()
