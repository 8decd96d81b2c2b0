"""The same registration writes the same objects, byte for byte: with a fixed clock, identity
and time zone, every object of three registrations (a new model, a version on its parent, a
version whose parent is another model's, with a card and curves in subtrees) has the id it had
when the write path built them with libgit2's TreeBuilder and create_commit (ids taken from
gitreg at aec2642). The manifest, commit and tag of the first version are pinned as text."""
from __future__ import annotations

import subprocess
import time

import pytest

from gitreg import ModelRegistry
from gitreg.features.registration import registration

WHEN = 1_700_000_000.25
CARD = "---\nbase_model: base-1\n---\n# pinned\nA card.\n"


@pytest.fixture
def fixed_zone(monkeypatch):
    """A time zone east of UTC (the signature's offset is written): restored after."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _register(path, model: str, when: float, **kwargs) -> str:
    store = ModelRegistry(path)._writer()
    args = dict(parent_version=None, status="completed", base_model=None, training={},
                evaluation_scores=None, paths={}, training_data=None, git_commit=None, tags=None,
                notes=None, model_card=None)
    args.update(kwargs)
    reg = registration.prepare(model, None, **args)
    reg.when = when
    return registration.write_version(store, reg).commit


def _cat(path, what: str) -> str:
    return subprocess.run(["git", "--git-dir", str(path), "cat-file", "-p", what],
                          check=True, capture_output=True, text=True).stdout


def _rev(path, what: str) -> str:
    return subprocess.run(["git", "--git-dir", str(path), "rev-parse", what],
                          check=True, capture_output=True, text=True).stdout.strip()


def _scenario(path) -> dict[str, str]:
    _register(path, "pinned", WHEN, base_model="base-1", training={"framework": "unsloth", "epochs": 3},
              evaluation_scores={"accuracy": 0.85, "bleu": 0.5}, training_data=["oracle"],
              git_commit="abc123", tags=["x", "y"], notes="first run\nsecond line",
              paths={"gguf": "s3://models/pinned.gguf"})
    _register(path, "pinned", WHEN + 60, parent_version="v1", status="draft", notes="")
    _register(path, "other", WHEN + 3600, parent_version="pinned:v2", model_card=CARD,
              curves=[{"step": 1, "loss": 2.5}, {"step": 2, "loss": 2.0}], extra_keys={"mlflow": {"run_id": "r"}})
    ids = {}
    for ref in ("refs/tags/pinned/v1", "refs/tags/pinned/v2", "refs/tags/other/v1",
                "refs/heads/pinned", "refs/heads/other"):
        ids[ref] = _rev(path, ref)
    for ref in ("refs/tags/pinned/v1", "refs/tags/other/v1"):
        ids[ref + "^{tree}"] = _rev(path, ref + "^{tree}")
    return ids


def test_registration_objects_are_pinned(tmp_path, fixed_zone):
    path = tmp_path / "r.git"
    assert _scenario(path) == {
        "refs/tags/pinned/v1": "7aa988e3d129e49e88254838c7b6cafca8fa296b",
        "refs/tags/pinned/v2": "21d9fb89bc3c78b6256bbab669d03e4eed8bb7d8",
        "refs/tags/other/v1": "fce17a02ccfbacc23845b1a6415ab9bfafa648e7",
        "refs/heads/pinned": "e9ab8b205f0cd84daf7e4d249730f4de4116c9d3",
        "refs/heads/other": "b7fe6e22beeef22f2aa41d615bed146a8fdc23d0",
        "refs/tags/pinned/v1^{tree}": "f46da6f9a1da9787d734f21dff8a030ff7c57680",
        "refs/tags/other/v1^{tree}": "f7336f58c1bc844ea567ba8a64ab5638194bb520",
    }
    subprocess.run(["git", "--git-dir", str(path), "fsck", "--strict", "--no-progress"], check=True,
                   capture_output=True)


def test_first_version_bytes(tmp_path, fixed_zone):
    path = tmp_path / "r.git"
    _scenario(path)
    assert _cat(path, "refs/tags/pinned/v1") == (
        "object 4cc289c574d43dc926a928c056eb966e90755236\n"
        "type commit\n"
        "tag pinned/v1\n"
        "tagger Gitreg Tester <tester@example.com> 1700000000 +0530\n"
        "\n"
        "pinned v1\n"
        "\n"
        "first run\n"
        "second line\n"
    )
    assert _cat(path, "refs/tags/pinned/v1^{commit}") == (
        "tree f46da6f9a1da9787d734f21dff8a030ff7c57680\n"
        "parent b90e2a051dff20febde12c33614cee9773207ab3\n"
        "author Gitreg Tester <tester@example.com> 1700000000 +0530\n"
        "committer Gitreg Tester <tester@example.com> 1700000000 +0530\n"
        "\n"
        "register pinned v1\n"
        "\n"
        "first run\n"
        "second line\n"
    )
    assert _cat(path, "refs/tags/pinned/v1:manifest.yaml") == (
        "schema: gitreg/1\n"
        "model_name: pinned\n"
        "version: v1\n"
        "created_at: '2023-11-14T22:13:20.250000+00:00'\n"
        "status: completed\n"
        "parent_version: null\n"
        "base_model: base-1\n"
        "training:\n"
        "  framework: unsloth\n"
        "  base_model: base-1\n"
        "  samples: null\n"
        "  epochs: 3\n"
        "  batch_size: null\n"
        "  learning_rate: null\n"
        "  duration_hours: null\n"
        "  cost_usd: null\n"
        "  hardware: null\n"
        "evaluation_scores:\n"
        "  accuracy: 0.85\n"
        "  f1_score: null\n"
        "  perplexity: null\n"
        "  bleu: 0.5\n"
        "  rouge: null\n"
        "  inference_speed_tokens_per_sec: null\n"
        "  memory_mb: null\n"
        "  latency_ms: null\n"
        "  custom_metrics: {}\n"
        "files:\n"
        "- role: gguf\n"
        "  path: s3://models/pinned.gguf\n"
        "lora_path: null\n"
        "gguf_path: s3://models/pinned.gguf\n"
        "training_data_sources:\n"
        "- oracle\n"
        "git_commit: abc123\n"
        "tags:\n"
        "- x\n"
        "- y\n"
        "notes: 'first run\n"
        "\n"
        "  second line'\n"
    )
    assert _cat(path, "refs/tags/other/v1^{tree}") == (
        "100644 blob d42421db40dfd980c8aac17f01d68f235b4dbc0f\tREADME.md\n"
        "040000 tree 354e15cc4842a2b450a624ed1e1c04b9daef70cb\tcurves\n"
        "100644 blob c45add6b67659834122cc7bae9dc43acb2d9b106\tmanifest.yaml\n"
    )
