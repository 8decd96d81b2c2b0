"""Apache httpd + git-http-backend (smart HTTP) on 127.0.0.1, basic auth for push.

Fetches are anonymous; pushes need a user from an htpasswd file, which clients get
from a git credential helper (`credential.helper store --file=...`), never from the
URL. The CGI runs as www-data, which owns the served repositories; protocol v2 is
passed through (Git-Protocol header -> GIT_PROTOCOL). `pause()`/`resume()` stop and
continue every server process (SIGSTOP/SIGCONT): a stalled server.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.servers import bare_repo, free_port, need, served_root, signal_tree, wait_for_port

USER, PASSWORD = "alice", "alicepw"
RUN_AS = "www-data"
MODULES = ("mpm_event", "cgid", "alias", "env", "setenvif", "auth_basic", "authn_core", "authn_file",
           "authz_core", "authz_user")
MODULE_DIR = Path("/usr/lib/apache2/modules")
BACKEND = Path("/usr/lib/git-core/git-http-backend")


class Apache:
    def __init__(self, workdir: Path) -> None:
        self.apache2 = need("apache2", "apache2")
        htpasswd = need("htpasswd", "apache2-utils")
        if not BACKEND.exists():
            pytest.fail(f"{BACKEND} is missing: install the Debian package git", pytrace=False)
        for m in MODULES:
            if not (MODULE_DIR / f"mod_{m}.so").exists():
                pytest.fail(f"apache module {m} is missing: install the Debian package apache2", pytrace=False)
        self.dir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.run = served_root("gitreg-httpd-")  # the CGI daemon's socket: www-data must reach it
        self.root = served_root("gitreg-http-")
        self.port = free_port()
        self.log = workdir / "error.log"
        subprocess.run([htpasswd, "-cbB", str(self.run / "htpasswd"), USER, PASSWORD],
                       check=True, capture_output=True)
        (self.run / "htpasswd").chmod(0o644)
        self.conf = workdir / "httpd.conf"
        self.conf.write_text(self._config())
        proc = subprocess.run([self.apache2, "-f", str(self.conf), "-k", "start"], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail(f"apache2 did not start: {proc.stderr or proc.stdout}", pytrace=False)
        wait_for_port(self.port, lambda: True, "apache2", self.log)

    def _config(self) -> str:
        loads = "\n".join(f"LoadModule {m}_module {MODULE_DIR}/mod_{m}.so" for m in MODULES)
        d = self.dir
        return f"""{loads}
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile {self.run}/httpd.pid
ErrorLog {d}/error.log
LogLevel warn
CustomLog {d}/access.log "%r %>s"
DefaultRuntimeDir {self.run}
Mutex file:{self.run} default
ScriptSock {self.run}/cgid.sock
User {RUN_AS}
Group {RUN_AS}
Timeout 60
MaxRequestWorkers 64
SetEnv GIT_PROJECT_ROOT {self.root}
SetEnv GIT_HTTP_EXPORT_ALL 1
SetEnvIf Git-Protocol "(.*)" GIT_PROTOCOL=$1
ScriptAlias /git/ {BACKEND}/
<Directory "{BACKEND.parent}">
    Options +ExecCGI
    Require all granted
</Directory>
<Location /git/>
    <If "%{{QUERY_STRING}} =~ /service=git-receive-pack/ || %{{REQUEST_URI}} =~ m#/git-receive-pack$#">
        AuthType Basic
        AuthName "gitreg test"
        AuthUserFile {self.run}/htpasswd
        Require valid-user
    </If>
</Location>
"""

    @property
    def pid(self) -> int:
        return int((self.run / "httpd.pid").read_text().strip())

    def repo(self, name: str = "registry.git") -> str:
        """A new empty bare repository on the server; its URL (no credentials in it)."""
        bare_repo(self.root / name, owner=RUN_AS)
        return self.url(name)

    def url(self, name: str = "registry.git") -> str:
        return f"http://127.0.0.1:{self.port}/git/{name}"

    def path(self, name: str = "registry.git") -> Path:
        return self.root / name

    def credentials(self, registry: Path, user: str = USER, password: str = PASSWORD) -> None:
        """Give a registry (bare repo) git's `store` credential helper holding a login for this server."""
        store = Path(str(registry) + ".credentials")
        store.write_text(f"http://{user}:{password}@127.0.0.1:{self.port}\n")
        store.chmod(0o600)
        subprocess.run(["git", f"--git-dir={registry}", "config", "credential.helper",
                        f"store --file={store}"], check=True)

    def hook(self, name: str, hook: str, script: str) -> None:
        path = self.root / name / "hooks" / hook
        path.write_text(script)
        path.chmod(0o755)
        subprocess.run(["chown", f"{RUN_AS}:{RUN_AS}", str(path)], check=True)

    def requests(self, pattern: str) -> int:
        """How many requests so far had a request line containing `pattern` (access log)."""
        log = self.dir / "access.log"
        return sum(pattern in line for line in log.read_text().splitlines()) if log.exists() else 0

    def pause(self) -> None:
        signal_tree(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        signal_tree(self.pid, signal.SIGCONT)

    def stop(self) -> None:
        try:
            self.resume()
            subprocess.run([self.apache2, "-f", str(self.conf), "-k", "stop"], capture_output=True, timeout=20)
            deadline = time.monotonic() + 10
            while (self.run / "httpd.pid").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            shutil.rmtree(self.run, ignore_errors=True)


@contextmanager
def running(workdir: Path) -> Iterator[Apache]:
    server = Apache(workdir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def apache(tmp_path) -> Iterator[Apache]:
    """A running Apache smart-HTTP git server; root's git may read its www-data repos."""
    subprocess.run(["git", "config", "--global", "--add", "safe.directory", "*"], check=True)
    with running(tmp_path / "apache") as server:
        yield server
