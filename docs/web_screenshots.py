"""Screenshots of the web view's main pages, for the README and docs/web.md.

    python docs/web_screenshots.py            # writes docs/img/web-*.png

Builds a small demo registry in a temporary directory (through the API, with its own
git identity), builds its static site with `gitreg web build`, and photographs pages
with headless chromium (Debian package `chromium`) straight from file://.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = {
    "index": "index.html",
    "versions": "m/majora/index.html",
    "version": "m/majora/v12.html",
    "metrics": "m/majora/metrics.html",
    "lineage": "m/majora/lineage.html",
    "deployments": "m/majora/deployments.html",
}


def demo(path: Path, work: Path) -> None:
    from gitreg import ModelRegistry

    rng = random.Random(7)
    reg = ModelRegistry(path)
    adapter = work / "adapter_model.safetensors"
    adapter.write_bytes(os.urandom(64 * 1024))
    for k in range(1, 15):
        parent = None if k == 1 else f"v{k - 3}" if k % 5 == 0 else f"v{k - 1}"
        reg.register_model(
            "majora", base_model="Qwen2.5-Coder-7B", framework="unsloth", samples=2000 * k, epochs=3,
            learning_rate=2e-4, hardware="A100-80GB", lora_path=str(adapter),
            evaluation_scores={"accuracy": round(0.62 + k * 0.02 + rng.uniform(-0.02, 0.02), 3),
                               "f1_score": round(0.55 + k * 0.018 + rng.uniform(-0.02, 0.02), 3),
                               "latency_ms": round(48 - k + rng.uniform(-3, 3), 1)},
            training_data=["oracle", "toolbench"], parent_version=parent,
            tags=["candidate"] if k in (8, 12) else ["experimental"], notes=f"run {k}: lr sweep",
            model_card=("# majora v12\n\nA coding assistant fine-tuned from `Qwen2.5-Coder-7B`.\n\n"
                        "- trained on oracle and toolbench\n- evaluated on the held-out split\n") if k == 12 else None,
        )
    for k in range(1, 4):
        reg.register_model("majora-mini", parent_version="majora:v8" if k == 1 else f"v{k - 1}",
                           evaluation_scores={"accuracy": 0.7 + k / 50})
    reg.register_model("retriever", evaluation_scores={"accuracy": 0.81})
    reg.deploy("majora", "v8", reason="first release")
    reg.deploy("majora", "v10", reason="better accuracy")
    reg.rollback("majora", reason="latency regression")
    reg.deploy("majora", "v12", reason="fixed latency")
    reg.deploy("majora", "v13", environment="staging", new_environment=True)
    reg.deploy("majora-mini", "v3", environment="edge", new_environment=True)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.stderr.write("web_screenshots: chromium not found (Debian package 'chromium')\n")
        return 1
    out = HERE / "img"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Trainer", "GIT_AUTHOR_EMAIL": "ada@example.com",
               "GIT_COMMITTER_NAME": "Ada Trainer", "GIT_COMMITTER_EMAIL": "ada@example.com",
               "HOME": str(work), "GIT_CONFIG_NOSYSTEM": "1"}
        os.environ.update(env)
        demo(work / "registry.git", work)
        subprocess.run([sys.executable, "-m", "gitreg", "-R", str(work / "registry.git"), "web", "build",
                        "-o", str(work / "site")], check=True, env=env)
        for name, page in PAGES.items():
            target = out / f"web-{name}.png"
            subprocess.run([
                chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--hide-scrollbars", f"--user-data-dir={work / 'profile'}", "--window-size=1100,720",
                f"--screenshot={target}", (work / "site" / page).as_uri(),
            ], check=True, capture_output=True, timeout=60)
            print(f"{target.relative_to(HERE.parent)} ({target.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
