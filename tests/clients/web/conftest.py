"""Registries for the web view tests, built once per session, and the site built from them.

`demo` is small and hand-made (lineage across models, a branch, deployments in two
environments with a rollback, hostile text in a note and a card); `big` is one model of
250 versions made with the benchmarks' fast-import fixture (three pages of the table).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.clients.web.build import build
from tests.clients.cli.conftest import cli  # noqa: F401  (the real entry point, in-process)
from tests.conftest import AUTHOR_EMAIL, AUTHOR_NAME
from tests.servers.browser import browser  # noqa: F401  (the session's headless chromium)

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import fixtures  # noqa: E402

HOSTILE_NOTE = 'try <script>document.title="pwned"</script> \x1b[31mred\x1b[0m & <b>bold</b>'
HOSTILE_CARD = ("# Majora v2\n\nTrained <img src=x onerror=alert(1)> on `oracle`.\n\n"
                "- fast\n- <script>alert(2)</script>\n")
BIG_VERSIONS = 250


@dataclass
class Site:
    registry: Path
    out: Path

    def url(self, path: str = "index.html") -> str:
        return (self.out / path).as_uri()


def _identity(mp: pytest.MonkeyPatch, home: Path) -> None:
    mp.setenv("HOME", str(home))  # session fixtures run before the per-test isolation: do it here
    mp.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    mp.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    mp.delenv("GIT_CONFIG_GLOBAL", raising=False)
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        mp.setenv(f"GIT_{who}_NAME", AUTHOR_NAME)
        mp.setenv(f"GIT_{who}_EMAIL", AUTHOR_EMAIL)


def make_demo(path: Path, weights: Path) -> None:
    reg = ModelRegistry(path)
    weights.write_bytes(b"\0" * 4096)
    parents = {1: None, 2: "v1", 3: "v2", 4: "v2", 5: "v4", 6: "v5"}  # v4 branches off v2
    for k, parent in parents.items():
        scores = {"accuracy": 0.5 + k / 20}
        if k % 2 == 0:
            scores["f1_score"] = 0.4 + k / 50
        reg.register_model(
            "majora", base_model="Qwen2.5-Coder-7B", framework="unsloth", samples=1000 * k,
            evaluation_scores=scores, parent_version=parent, lora_path=str(weights),
            training_data=["oracle", "toolbench"], tags=["candidate"] if k == 4 else ["experimental"],
            notes=HOSTILE_NOTE if k == 3 else f"run {k}", model_card=HOSTILE_CARD if k == 2 else None,
        )
    reg.register_model("minor", parent_version="majora:v3", evaluation_scores={"accuracy": 0.3})
    reg.register_model("minor", parent_version="v1", evaluation_scores={"accuracy": 0.35},
                       lora_path=str(weights), store=True)  # the bytes in the registry (Git LFS)
    reg.register_model("solo", evaluation_scores={"bleu": 12.5})
    reg.deploy("majora", "v2", reason="first release")
    reg.deploy("majora", "v4", reason="better <accuracy>")
    reg.deploy("majora", "v3", environment="staging", new_environment=True)
    reg.rollback("majora", reason="v4 regressed")


@pytest.fixture(scope="session")
def demo_registry(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("web-demo")
    with pytest.MonkeyPatch.context() as mp:
        _identity(mp, base)
        make_demo(base / "registry.git", base / "adapter.safetensors")
    return base / "registry.git"


@pytest.fixture(scope="session")
def demo_site(demo_registry, tmp_path_factory) -> Site:
    out = tmp_path_factory.mktemp("web-demo-site") / "site"
    build(ModelRegistry(demo_registry), out)
    return Site(demo_registry, out)


@pytest.fixture(scope="session")
def big_site(tmp_path_factory) -> Site:
    base = tmp_path_factory.mktemp("web-big")
    fixtures.build_gitreg(base / "registry.git", BIG_VERSIONS, per_model=BIG_VERSIONS)
    build(ModelRegistry(base / "registry.git"), base / "site")
    return Site(base / "registry.git", base / "site")
