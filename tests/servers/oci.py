"""A real OCI registry for tests: Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1.

Plain HTTP (reach it with --plain-http / skopeo's --src-tls-verify=false). Blobs land in
<root>/docker/registry/v2/blobs/sha256/<aa>/<hex>/data, where a test can count uploads or
corrupt one. distribution 2.8 has no referrers API (OCI 1.1's fallback tag is used).
"""
from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, need, stop_process

CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


class OciRegistry:
    def __init__(self, root: Path) -> None:
        exe = need("docker-registry", "docker-registry")
        root.mkdir(parents=True, exist_ok=True)
        self.root = root / "storage"
        self.port = free_port()
        config = root / "registry.yml"
        config.write_text(CONFIG.format(root=self.root, port=self.port))
        self.log = root / "registry.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([exe, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:  # ready when GET /v2/ answers 200
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                pytest.fail(f"docker-registry did not start:\n{self.log.read_text(errors='replace')[-2000:]}",
                            pytrace=False)
            time.sleep(0.05)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def blob_file(self, digest: str) -> Path:
        hexd = digest.split(":", 1)[1]
        return self.root / "docker" / "registry" / "v2" / "blobs" / "sha256" / hexd[:2] / hexd / "data"

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture
def oci_registry(tmp_path):
    """A fresh registry per test (its own storage, so blob counts mean this test's uploads)."""
    server = OciRegistry(tmp_path / "oci")
    yield server
    server.stop()
