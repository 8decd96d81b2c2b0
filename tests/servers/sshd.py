"""An OpenSSH server on a high port of 127.0.0.1 with key-only auth, and client configs.

The server has its own host key, authorized_keys and config (UsePAM no, publickey
only, MaxStartups for concurrent clients, GIT_PROTOCOL accepted for protocol v2).
It serves as the user running the tests (root here), so served repositories need
no other owner. Each client is a registry whose `core.sshCommand` is
`ssh -F <its ssh_config>` naming its key and a known_hosts file pre-filled with the
server's host key (StrictHostKeyChecking yes, BatchMode yes): nothing of ~/.ssh is used.
"""
from __future__ import annotations

import getpass
import shutil
import signal
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.servers import bare_repo, free_port, need, served_root, signal_tree, stop_process, wait_for_port

SSHD = "/usr/sbin/sshd"


def keygen(path: Path) -> str:
    """A new ed25519 key at path; returns the public key line."""
    subprocess.run([need("ssh-keygen", "openssh-client"), "-q", "-t", "ed25519", "-N", "", "-C", path.name,
                    "-f", str(path)], check=True)
    return Path(f"{path}.pub").read_text().strip()


@dataclass
class Client:
    config: Path
    key: Path

    @property
    def ssh_command(self) -> str:
        return f"ssh -F {self.config}"

    def apply(self, registry: Path) -> None:
        subprocess.run(["git", f"--git-dir={registry}", "config", "core.sshCommand", self.ssh_command], check=True)


class Sshd:
    def __init__(self, workdir: Path) -> None:
        need(SSHD, "openssh-server")
        need("ssh", "openssh-client")
        workdir.mkdir(parents=True, exist_ok=True)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        self.dir = workdir
        self.user = getpass.getuser()
        self.root = served_root("gitreg-ssh-")
        self.port = free_port()
        self.host_key = workdir / "host_ed25519"
        self.host_public = keygen(self.host_key)
        self.authorized = workdir / "authorized_keys"
        self.authorized.write_text("")
        self.log = workdir / "sshd.log"
        config = workdir / "sshd_config"
        config.write_text(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey {self.host_key}
PidFile {workdir}/sshd.pid
AuthorizedKeysFile {self.authorized}
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers {self.user}
MaxStartups 30:30:100
AcceptEnv GIT_PROTOCOL
LogLevel VERBOSE
""")
        self.proc = subprocess.Popen([SSHD, "-D", "-f", str(config), "-E", str(self.log)])
        wait_for_port(self.port, lambda: self.proc.poll() is None, "sshd", self.log)

    def client(self, name: str, authorized: bool = True, known_host: bool = True) -> Client:
        """A client key and ssh config; `authorized`/`known_host` False make the failures tests need."""
        d = self.dir / "clients" / name
        d.mkdir(parents=True, exist_ok=True)
        key = d / "id_ed25519"
        public = keygen(key)
        if authorized:
            with open(self.authorized, "a") as f:
                f.write(public + "\n")
        known = d / "known_hosts"
        known.write_text(f"[127.0.0.1]:{self.port} {self.host_public}\n" if known_host else "")
        config = d / "ssh_config"
        config.write_text(f"""Host *
    IdentityFile {key}
    IdentitiesOnly yes
    UserKnownHostsFile {known}
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    SendEnv GIT_PROTOCOL
""")
        return Client(config, key)

    def repo(self, name: str = "registry.git") -> str:
        bare_repo(self.root / name)
        return self.url(name)

    def url(self, name: str = "registry.git") -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{self.root / name}"

    def path(self, name: str = "registry.git") -> Path:
        return self.root / name

    def pause(self) -> None:
        """SIGSTOP the server (and any session): connections are accepted by the kernel, never answered."""
        signal_tree(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        signal_tree(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        self.resume()
        stop_process(self.proc)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running(workdir: Path) -> Iterator[Sshd]:
    server = Sshd(workdir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sshd(tmp_path) -> Iterator[Sshd]:
    with running(tmp_path / "sshd") as server:
        yield server
