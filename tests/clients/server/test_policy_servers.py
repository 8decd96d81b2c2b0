"""gitreg's hooks behind real servers: Apache smart HTTP with basic auth (two users, the hook
reads REMOTE_USER), sshd with two keys (forced commands setting GL_USER, as gitolite does) and
gitolite3 itself; ssh signing keys made here. Honest pushes go through; each user is held to the policy."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from gitreg import ModelRegistry
from gitreg.clients.server.install import install
from gitreg.core.errors import RemoteError
from tests.features.policy.conftest import as_person, person  # noqa: F401
from tests.servers.apache import apache  # noqa: F401
from tests.servers.sshd import sshd  # noqa: F401


def python_for(user: str) -> str:
    """An interpreter `user` can run, of this Python's version: this one when reachable, else
    the system's (this machine's venv lives under /root, which www-data cannot enter)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        proc = subprocess.run(["runuser", "-u", user, "--", candidate, "-c",
                               "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout.strip() == str(sys.version_info[:2]):
            return candidate
    pytest.fail(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that {user} may run "
                "(install the Debian package python3 of that version)", pytrace=False)
POLICY = """admins: [alice@example.com]
users: {alice: alice@example.com, bob: bob@example.com}
environments:
  production: {deployers: [alice@example.com]}
  staging: {deployers: ["*"]}
"""


def plain_push(local, *specs):
    return subprocess.run(["git", f"--git-dir={local}", "push", "origin", *specs], capture_output=True, text=True)


def test_apache_basic_auth_two_users(apache, tmp_path, monkeypatch):  # noqa: F811
    url = apache.repo()
    # www-data cannot reach this Python (under /root here): the system's, with our packages
    install(apache.path(), python=python_for("www-data"))
    subprocess.run(["htpasswd", "-bB", str(apache.run / "htpasswd"), "bob", "bobpw"], check=True, capture_output=True)
    alice = ModelRegistry(tmp_path / "alice.git")
    as_person(monkeypatch, alice, None, email="alice@example.com")
    apache.credentials(alice.path, "alice", "alicepw")
    alice.add_remote("origin", url, sync=True)
    alice.set_policy(POLICY)
    alice.register_model("m", status="completed")
    alice.deploy("m", "v1", environment="staging", new_environment=True)
    alice.deploy("m", "v1")  # alice, authenticated as alice, is a deployer

    bob = ModelRegistry.clone(url, tmp_path / "bob.git")
    apache.credentials(bob.path, "bob", "bobpw")
    as_person(monkeypatch, bob, None, email="alice@example.com")  # bob claims to be alice
    bob.register_model("m", status="completed")  # registering is open
    bob.deploy("m", "v2", environment="staging")  # staging is open
    with pytest.raises(RemoteError, match=r"refs/deployed/production/m: pushed by bob, who may not deploy"):
        bob.deploy("m", "v2")
    proc = plain_push(bob.path, ":refs/tags/m/v1")
    assert proc.returncode != 0 and "refs/tags/m/v1" in proc.stderr and "[append-only]" in proc.stderr
    served = subprocess.run(["git", f"--git-dir={apache.path()}", "for-each-ref", "--format=%(refname)"],
                            capture_output=True, text=True).stdout.split()
    assert "refs/tags/m/v2" in served and "refs/tags/m/v1" in served


def _authorize(server, name: str) -> "object":
    """A client key whose sessions run with GL_USER=<name> (a forced command, as gitolite's)."""
    client = server.client(name, authorized=False)
    public = client.key.with_suffix(".pub").read_text().strip()
    with open(server.authorized, "a") as fh:
        fh.write(f'command="GL_USER={name}; export GL_USER; exec sh -c \\"$SSH_ORIGINAL_COMMAND\\"" {public}\n')
    return client


def test_sshd_two_keys_and_signed_policy(sshd, tmp_path, monkeypatch, person):  # noqa: F811
    url = sshd.repo()
    install(sshd.path())
    release, bob = person("release"), person("bob")
    keys = {"release": _authorize(sshd, "release"), "bob": _authorize(sshd, "bob")}
    a = ModelRegistry(tmp_path / "release.git")
    as_person(monkeypatch, a, release)
    keys["release"].apply(a.path)
    a.add_remote("origin", url, sync=True)
    a.set_policy(f"""admins: [release@example.com]
signers: ["{release.signer_line}", "{bob.signer_line}"]
users: {{release: release@example.com, bob: bob@example.com}}
environments:
  production: {{deployers: [release@example.com]}}
""")
    a.register_model("m", status="completed")
    a.deploy("m", "v1")

    b = ModelRegistry(tmp_path / "bob.git")
    b.init()
    keys["bob"].apply(b.path)
    b.add_remote("origin", url, sync=True)
    b.pull()
    as_person(monkeypatch, b, bob)
    b.register_model("m", status="completed")  # signed by bob, a signer: accepted
    monkeypatch.setattr("gitreg.features.policy.chain.in_force", lambda store: None)  # no client check
    as_person(monkeypatch, b, bob, )
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "release@example.com")  # claims release, signs as bob
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "release@example.com")
    with pytest.raises(RemoteError, match=r"refs/deployed/production/m: .*bob@example.com may not deploy"):
        b.deploy("m", "v2")
    as_person(monkeypatch, b, None, email="bob@example.com")  # unsigned
    with pytest.raises(RemoteError, match=r"refs/tags/m/v3: .*unsigned.*\[signature\]"):
        b.register_model("m", status="completed")


def test_gitolite_user_is_held_to_the_policy(sshd, tmp_path, monkeypatch):  # noqa: F811
    """gitolite3 as the multi-user server: per-user keys, gitolite-shell setting GL_USER, which
    gitreg's pre-receive (installed beside gitolite's own update hook) reads as the pusher."""
    from tests.servers import need, served_root

    gitolite = need("gitolite", "gitolite3")
    home = served_root("gitreg-gitolite-")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    admin = home / "admin"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(admin)], check=True)
    subprocess.run([gitolite, "setup", "-pk", f"{admin}.pub"], env=env, check=True, capture_output=True)
    conf = home / ".gitolite" / "conf" / "gitolite.conf"
    conf.write_text(conf.read_text() + "\nrepo registry\n    RW+     =   alice bob\n")
    subprocess.run([gitolite, "setup"], env=env, check=True, capture_output=True)  # compiles, creates the repo
    served = home / "repositories" / "registry.git"
    install(served)
    shell = "/usr/share/gitolite3/gitolite-shell"
    keys = {}
    for user in ("alice", "bob"):
        keys[user] = sshd.client(user, authorized=False)
        public = keys[user].key.with_suffix(".pub").read_text().strip()
        with open(sshd.authorized, "a") as fh:
            fh.write(f'command="HOME={home} exec {shell} {user}",no-port-forwarding,no-pty {public}\n')
    url = f"ssh://{sshd.user}@127.0.0.1:{sshd.port}/registry"
    try:
        alice = ModelRegistry(tmp_path / "alice.git")
        as_person(monkeypatch, alice, None, email="alice@example.com")
        keys["alice"].apply(alice.path)
        alice.add_remote("origin", url, sync=True)
        alice.set_policy(POLICY)
        alice.register_model("m", status="completed")
        alice.deploy("m", "v1")  # GL_USER alice is a deployer

        bob = ModelRegistry(tmp_path / "bob.git")
        as_person(monkeypatch, bob, None, email="alice@example.com")  # bob claims to be alice
        keys["bob"].apply(bob.path)
        bob.add_remote("origin", url, sync=True)
        bob.pull()
        bob.register_model("m", status="completed")
        with pytest.raises(RemoteError, match=r"refs/deployed/production/m: pushed by bob, who may not deploy"):
            bob.deploy("m", "v2")
    finally:
        shutil.rmtree(home, ignore_errors=True)
