"""gitreg through real servers started by the tests: Apache smart HTTP with basic auth
(credentials from a git credential helper) and an sshd with key-only auth."""
from __future__ import annotations

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import RemoteError
from tests.clients.cli.conftest import run_gitreg
from tests.servers.apache import PASSWORD, USER, apache  # noqa: F401
from tests.servers.sshd import sshd  # noqa: F401


def own_refs(refs, path) -> dict[str, str]:
    return {k: v for k, v in refs(path).items() if not k.startswith("refs/gitreg/")}


def http_clone(apache, url, path) -> ModelRegistry:  # noqa: F811
    reg = ModelRegistry.clone(url, path)
    apache.credentials(reg.path)
    return reg


# -- HTTP -------------------------------------------------------------------------------
def test_http_round_trip_with_a_credential_helper(tmp_path, apache, refs, fsck):  # noqa: F811
    url = apache.repo()
    first = ModelRegistry(tmp_path / "first.git")
    first.init()
    apache.credentials(first.path)
    first.add_remote("origin", url)
    first.register_model("majora", evaluation_scores={"accuracy": 0.8})
    first.deploy("majora", "v1")
    second = http_clone(apache, url, tmp_path / "second.git")
    assert second.get_latest("majora").version == "v1"
    assert second.register_model("majora").version == "v2"
    first.pull()
    assert own_refs(refs, first.path) == own_refs(refs, second.path) == refs(apache.path())
    assert fsck(apache.path()) == []


def test_push_without_credentials_keeps_the_http_cause(tmp_path, apache):  # noqa: F811
    url = apache.repo()
    reg = ModelRegistry(tmp_path / "a.git")
    reg.add_remote("origin", url)
    with pytest.raises(RemoteError) as err:
        reg.register_model("m")
    assert "cannot push to origin: fatal: could not read Username" in str(err.value)  # git's own line
    assert ModelRegistry(reg.path).list_models() == []  # nothing written locally


def test_credentials_in_a_url_are_never_printed(tmp_path, apache):  # noqa: F811
    url = apache.repo()
    with_login = url.replace("http://", f"http://{USER}:{PASSWORD}@")
    r = run_gitreg("clone", with_login, str(tmp_path / "c.git"))
    assert r.code == 0 and f"http://{USER}:***@127.0.0.1" in r.out and PASSWORD not in r.out + r.err
    r = run_gitreg("-R", str(tmp_path / "c.git"), "remote", "list")
    assert PASSWORD not in r.out and f"{USER}:***@" in r.out
    r = run_gitreg("clone", with_login.replace("/git/", "/nothing/"), str(tmp_path / "d.git"))
    assert r.code == 1 and PASSWORD not in r.err and len(r.err.strip().splitlines()) == 1
    assert not (tmp_path / "d.git").exists()  # nothing half-made is left


# -- SSH ----------------------------------------------------------------------------------
def test_ssh_round_trip(tmp_path, sshd, refs, fsck):  # noqa: F811
    url = sshd.repo()
    client = sshd.client("alice")
    first = ModelRegistry(tmp_path / "first.git")
    first.init()
    client.apply(first.path)
    first.add_remote("origin", url)
    first.register_model("m")
    assert own_refs(refs, first.path) == refs(sshd.path())
    assert fsck(sshd.path()) == []


@pytest.mark.parametrize("case, cause", [
    ("unauthorized", "Permission denied (publickey)"),
    ("unknown-host", "Host key verification failed"),
    ("refused", "Connection refused"),
    ("changed-host", "has changed and you have requested strict checking. Host key verification failed."),
])
def test_ssh_failures_keep_their_cause(tmp_path, sshd, case, cause):  # noqa: F811
    url = sshd.repo()
    client = sshd.client(case, authorized=case != "unauthorized", known_host=case != "unknown-host")
    if case == "changed-host":  # known_hosts names another key for the server: ssh's @@@ warning
        from tests.servers.sshd import keygen
        other = keygen(tmp_path / "other_host_key")
        (sshd.dir / "clients" / case / "known_hosts").write_text(f"[127.0.0.1]:{sshd.port} {other}\n")
    if case == "refused":
        from tests.servers import free_port
        url = url.replace(f":{sshd.port}/", f":{free_port()}/")
    reg = ModelRegistry(tmp_path / "a.git")
    reg.init()
    client.apply(reg.path)
    reg.add_remote("origin", url)
    with pytest.raises(RemoteError) as err:
        reg.register_model("m")
    assert cause in str(err.value) and "cannot fetch from origin" in str(err.value)
    assert ModelRegistry(reg.path).list_models() == []


@pytest.mark.parametrize("stderr, cause", [
    # what git 2.39 prints for a name that does not resolve, over http and ssh
    ("fatal: unable to access 'http://nohost.invalid/x/': Could not resolve host: nohost.invalid\n",
     "fatal: unable to access 'http://nohost.invalid/x/': Could not resolve host: nohost.invalid"),
    ("ssh: Could not resolve hostname nohost.invalid: Name or service not known\r\n"
     "fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\n"
     "and the repository exists.\n", "ssh: Could not resolve hostname nohost.invalid: Name or service not known"),
    ("fatal: unable to access 'https://bob:hunter2@h.example/x/': The requested URL returned error: 403\n",
     "fatal: unable to access 'https://bob:***@h.example/x/': The requested URL returned error: 403"),
])
def test_the_cause_line_is_the_transports_own(stderr, cause):
    from gitreg.git.transport.remote import why

    assert why(stderr) == cause


def test_a_stalled_ssh_server_fails_within_the_timeout(tmp_path, sshd, git, refs):  # noqa: F811
    import time

    url = sshd.repo()
    reg = ModelRegistry(tmp_path / "a.git")
    reg.init()
    sshd.client("alice").apply(reg.path)
    reg.add_remote("origin", url)
    reg.register_model("m")
    git(reg.path, "config", "gitreg.timeout", "2")
    before = refs(reg.path)
    sshd.pause()
    try:
        start = time.monotonic()
        with pytest.raises(RemoteError) as err:
            ModelRegistry(reg.path).register_model("m")
        elapsed = time.monotonic() - start
    finally:
        sshd.resume()
    assert elapsed < 20 and "cannot fetch from origin" in str(err.value)
    assert "timed out" in str(err.value).lower(), str(err.value)
    assert refs(reg.path) == before
