"""Shared fixtures for the API and storage tests.

Every test runs with a fixed git identity, a temporary HOME / XDG_DATA_HOME and a
GITREG_REGISTRY inside the test's tmp dir, so nothing ever touches the real home
or the real default registry. `git(path, *args)` runs the real git CLI on a
registry and returns stdout; the `git`, `refs` and `fsck` fixtures hand out the
helpers below.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from gitreg import ModelRegistry

# -- parallel runs (pytest-xdist) --------------------------------------------------------
# `pytest -n auto` (the README's command) spreads the tests over worker processes. Each worker
# has its own tmp_path_factory base, so every session or module fixture (servers included) is
# per worker. Tests that must not overlap one another (one holds the machine's dpkg lock) are
# marked `@pytest.mark.xdist_group("serial")`: one worker runs them all, one after another.
# Only `--dist loadgroup` honours groups; it is the default here whenever -n is given. A plain
# `pytest` (one file, a debugger) runs serially as before.


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """`-n N` without an explicit --dist means `--dist loadgroup` (xdist would pick `load`)."""
    option = config.option
    if getattr(option, "numprocesses", None) and option.dist == "no" and not option.distload:  # xdist only
        option.dist = "loadgroup"


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: no error when it is not installed
def pytest_configure_node(node) -> None:
    """Workers parse the command line again (where --dist may be absent): tell them the mode."""
    node.workerinput["gitreg_loadgroup"] = node.config.option.dist == "loadgroup"


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config, "workerinput", {}).get("gitreg_loadgroup"):
        config.option.loadgroup = True  # what xdist's worker reads to honour the groups
    # A suite started in the background (`cmd &` in a script, nohup) inherits SIGINT ignored and
    # passes that on to every process it starts: the servers the tests stop with SIGINT (Ctrl-C)
    # would never stop (`gitreg web serve` hung a serial run for its 600 s timeout).
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """Workers for `-n auto`: WORKERS_PER_CPU per CPU (the tests mostly wait on git, servers and
    subprocesses, so more workers than cores keeps the cores busy; measured in
    benchmarks/RESULTS.md, issue 28 session 3). PYTEST_XDIST_AUTO_NUM_WORKERS still wins."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses == "logical":
        return None
    return WORKERS_PER_CPU * len(os.sched_getaffinity(0))


WORKERS_PER_CPU = 2

# Session fixtures costly enough (seconds of CPU: a browser, a built site, MLflow's migrated
# database) that one worker should set them up once for every test using them, in this order of
# preference when a test uses several.
SHARED_SESSION_FIXTURES = ("browser", "big_site", "demo_registry", "tracking_uri")


@pytest.hookimpl(wrapper=True)  # around xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]):
    """Under -n, a test using a module-scoped fixture is grouped with its module (the fixture is
    set up by one worker, once, not by every worker that gets one of the module's tests), and a
    test using one of SHARED_SESSION_FIXTURES with the other users of that fixture."""
    worker = hasattr(config, "workerinput")
    if worker:
        for item in items:
            group = _shared_setup_group(item)
            if group and not item.get_closest_marker("xdist_group"):
                item.add_marker(pytest.mark.xdist_group(group))
    return (yield)


def _shared_setup_group(item: pytest.Item) -> str | None:
    """The xdist group a test's costly shared fixtures call for, or None (then any worker)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    used = {name: defs[-1].scope for name, defs in info.name2fixturedefs.items()
            if defs and name in info.names_closure}
    for name in SHARED_SESSION_FIXTURES:
        if used.get(name) == "session":
            return f"session:{name}"
    if "module" in used.values():
        return f"module:{item.nodeid.split('::', 1)[0]}"
    return None


# Property tests are reproducible run to run and leave no example database behind.
settings.register_profile("gitreg", derandomize=True, database=None, deadline=None)
settings.load_profile("gitreg")

AUTHOR_NAME = "Gitreg Tester"
AUTHOR_EMAIL = "tester@example.com"
ACTOR = f"{AUTHOR_NAME} <{AUTHOR_EMAIL}>"


def git(path, *args: str, input: str | None = None) -> str:
    """Run `git --git-dir=<path> <args>`; return stdout; fail the test on a nonzero exit."""
    cmd = ["git", f"--git-dir={path}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, input=input)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def refs(path) -> dict[str, str]:
    """{refname: object id} of every ref in the registry (empty if it does not exist)."""
    if not Path(path).exists():
        return {}
    out = git(path, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def fsck_problems(path) -> list[str]:
    """Lines of `git fsck --strict` that are not 'dangling ...' (plus the exit status)."""
    proc = subprocess.run(
        ["git", f"--git-dir={path}", "fsck", "--strict", "--no-progress"],
        capture_output=True, text=True,
    )
    lines = [
        line for line in (proc.stdout + proc.stderr).splitlines()
        if line.strip() and not line.startswith("dangling ")
        and not line.startswith("Checking ")
        and not line.startswith("notice: ")  # unborn HEAD / no default refs: a bare registry has no HEAD branch
    ]
    if proc.returncode != 0:
        lines.append(f"git fsck exited {proc.returncode}")
    return lines


def isolate(mp: pytest.MonkeyPatch, home: Path) -> None:
    """A test's environment: its own home, no system or global git config, a fixed identity
    (also for module-scoped fixtures, which are set up before a test's own _isolated_env)."""
    mp.setenv("HOME", str(home))
    mp.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    mp.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    mp.setenv("GITREG_REGISTRY", str(home / "default-registry.git"))
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_CONFIG_GLOBAL", "GIT_DIR", "EMAIL"):
        mp.delenv(name, raising=False)
    for role in ("AUTHOR", "COMMITTER"):
        mp.setenv(f"GIT_{role}_NAME", AUTHOR_NAME)
        mp.setenv(f"GIT_{role}_EMAIL", AUTHOR_EMAIL)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    isolate(monkeypatch, home)
    yield home


@pytest.fixture
def registry_path(tmp_path) -> Path:
    """Where a fresh bare registry will be created (it does not exist yet)."""
    return tmp_path / "registry.git"


@pytest.fixture
def reg(registry_path) -> ModelRegistry:
    return ModelRegistry(registry_path)


# Test modules take these helpers as fixtures rather than importing conftest
# (another conftest.py under tests/ would shadow the module name).
@pytest.fixture(name="git")
def _git_fixture():
    return git


@pytest.fixture(name="refs")
def _refs_fixture():
    return refs


@pytest.fixture(name="fsck")
def _fsck_fixture():
    return fsck_problems


@pytest.fixture
def actor() -> str:
    """The 'Name <email>' every write in a test is made by."""
    return ACTOR


# -- a real git server -----------------------------------------------------------------
class GitDaemon:
    """`git daemon --enable=receive-pack` on 127.0.0.1 and a free port, serving bare repos under root."""

    def __init__(self, root: Path) -> None:
        from tests.servers import free_port, wait_for_port

        self.root = root
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={self.port}",
             f"--base-path={root}", "--export-all", "--enable=receive-pack", "--informative-errors",
             str(root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(self.port, lambda: self.proc.poll() is None, "git daemon", root / "no-log", 10)
        except BaseException:
            self.stop()
            raise

    def repo(self, name: str = "registry.git") -> str:
        """Create an empty bare repo on the server; return its git:// URL."""
        subprocess.run(["git", "init", "--quiet", "--bare", str(self.root / name)], check=True)
        return f"git://127.0.0.1:{self.port}/{name}"

    def path(self, name: str = "registry.git") -> Path:
        return self.root / name

    def stop(self) -> None:
        from tests.servers import stop_process

        stop_process(self.proc)


@pytest.fixture
def git_daemon(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    daemon = GitDaemon(root)
    yield daemon
    daemon.stop()


@pytest.fixture
def bare_remote(tmp_path) -> Path:
    """An empty bare repository used as a remote by path."""
    path = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(path)], check=True)
    return path


# -- signing keys (throwaway, generated per test) ---------------------------------------
@dataclass
class SigningKey:
    """A key git can sign with, and the `git config` that selects it (no passphrase)."""
    format: str
    signingkey: str
    fingerprint: str  # as git reports it: SHA256:... (ssh) or the full fingerprint (gpg)
    config: dict[str, str]

    def apply(self, registry_path, scope: str = "local") -> None:
        """Write the config into the registry (created if needed) or, scope 'global', ~/.gitconfig."""
        for key, value in self.config.items():
            if scope == "global":
                subprocess.run(["git", "config", "--global", key, value], check=True)
            else:
                ModelRegistry(registry_path).init()
                git(registry_path, "config", key, value)


def _ssh_key(directory: Path, name: str) -> tuple[Path, str, str]:
    """(private key file, SHA256 fingerprint, public key line) of a new ed25519 key."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    fpr = subprocess.run(["ssh-keygen", "-l", "-f", str(key)], capture_output=True, text=True, check=True)
    return key, fpr.stdout.split()[1], Path(f"{key}.pub").read_text().strip()


@pytest.fixture
def ssh_keys(tmp_path):
    """make(name, allowed=True) -> SigningKey for a new ssh key; allowed ones share one allowed-signers file."""
    directory = tmp_path / "ssh-keys"
    allowed = directory / "allowed_signers"

    def make(name: str = "key1", allowed_signer: bool = True) -> SigningKey:
        key, fpr, public = _ssh_key(directory, name)
        if allowed_signer:
            with open(allowed, "a") as fh:
                fh.write(f"{AUTHOR_EMAIL} {public}\n")
        allowed.touch()
        return SigningKey("ssh", str(key), fpr, {
            "gpg.format": "ssh", "user.signingkey": str(key),
            "gpg.ssh.allowedSignersFile": str(allowed),
        })

    return make


@pytest.fixture
def ssh_key(ssh_keys) -> SigningKey:
    return ssh_keys("key1")


@pytest.fixture
def gnupghome(monkeypatch):
    """A fresh, short GNUPGHOME (the agent's socket path has a length limit); agent killed after."""
    home = tempfile.mkdtemp(prefix="gpg", dir="/tmp")
    monkeypatch.setenv("GNUPGHOME", home)
    yield Path(home)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True, env={**os.environ, "GNUPGHOME": home})
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def gpg_key(gnupghome) -> SigningKey:
    """An ed25519 OpenPGP key for the test identity, ultimately trusted in GNUPGHOME."""
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", ACTOR, "ed25519", "sign", "never"],
        capture_output=True, check=True,
    )
    listing = subprocess.run(["gpg", "--with-colons", "--list-secret-keys"],
                             capture_output=True, text=True, check=True).stdout
    fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    return SigningKey("openpgp", fpr, fpr, {"gpg.format": "openpgp", "user.signingkey": fpr})


def trials(ci: int, full: int) -> int:
    """How many trials a `scale` test runs: a small count in CI, the full one with GITREG_TEST_FULL=1."""
    return full if os.environ.get("GITREG_TEST_FULL") == "1" else ci
