"""Build big benchmark registries fast with `git fast-import`.

Registering 100,000 versions through the API costs ~1 ms each plus one loose ref
file per version; a fast-import stream writes the same objects into one pack in
seconds. The stream produces exactly the DESIGN.md layout (root commit with
model.yaml; per version a commit whose tree is manifest.yaml, first parent the
version it was trained from else the root, second parent the previous tip when
that differs; an annotated tag refs/tags/<model>/<version>; refs/heads/<model>),
with manifests made by gitreg's own `build_manifest` and `yamlio.dump`.
`verify()` reads a fixture back through the gitreg API; refs are then packed,
as auto-packing leaves a grown registry.

GTO fixtures are the same shape in GTO's convention: one commit per version in
a work-tree repository, an annotated tag `<model>@v<N>.0.0` on it.
"""
from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path
from typing import IO, Optional

from gitreg.core import yamlio
from gitreg.core.records import ArtifactFile
from gitreg.model import manifest as mf

NAME, EMAIL = "Bench Writer", "bench@example.com"
BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z: fixtures are byte-for-byte reproducible


def model_name(i: int) -> str:
    return f"model-{i:04d}"


def _data(out: IO[bytes], payload: bytes) -> None:
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def _who(ts: int) -> bytes:
    return f"{NAME} <{EMAIL}> {ts} +0000".encode()


def realistic_manifest(model: str, version: str, n: int, parent: Optional[str], rng: random.Random) -> bytes:
    files = [
        ArtifactFile("lora", f"/models/{model}/{version}/adapter", f"{rng.getrandbits(256):064x}",
                     rng.randint(10**7, 10**9)),
        ArtifactFile("gguf", f"s3://models/{model}-{version}-Q8_0.gguf"),
    ]
    manifest = mf.build_manifest(
        model=model, version=version, created_at=mf.now_iso(BASE_TIME + n), status="completed",
        parent=parent, base_model="Qwen2.5-Coder-7B",
        training={"framework": "unsloth", "base_model": "Qwen2.5-Coder-7B", "samples": rng.randint(100, 50000),
                  "epochs": rng.randint(1, 5), "batch_size": rng.choice([4, 8, 16]), "learning_rate": 2e-4,
                  "duration_hours": round(rng.uniform(0.5, 12), 2), "cost_usd": round(rng.uniform(0.2, 40), 2),
                  "hardware": "A100-80GB"},
        scores={"accuracy": round(rng.random(), 4), "f1_score": round(rng.random(), 4),
                "perplexity": round(rng.uniform(2, 9), 3),
                "rouge": {"rouge1": round(rng.random(), 3), "rouge2": round(rng.random(), 3)},
                "latency_ms": round(rng.uniform(5, 90), 1),
                "custom_metrics": {"pass_at_1": round(rng.random(), 3)}},
        files=files, training_data=["oracle", "toolbench", f"shard-{n % 17}"],
        git_commit=f"{rng.getrandbits(160):040x}", tags=["experimental"] if n % 3 else ["candidate"],
        notes=f"run {n}",
    )
    return yamlio.dump(manifest)


def lean_manifests(model: str, t0: int):
    """A per-model template for big fixtures where manifest content does not matter (scale
    tests): one YAML dump per model, then version, parent and notes filled in per version."""
    template = yamlio.dump(mf.build_manifest(
        model=model, version="ZZVERSIONZZ", created_at=mf.now_iso(t0), status="completed",
        parent="ZZPARENTZZ", base_model=None, training=None, scores={"accuracy": 0.5}, files=[],
        training_data=[], git_commit=None, tags=[], notes="ZZNOTESZZ",
    ))

    def make(model: str, version: str, n: int, parent: Optional[str], rng: random.Random) -> bytes:
        return (template.replace(b"ZZVERSIONZZ", version.encode())
                .replace(b"ZZPARENTZZ", (parent or "null").encode()).replace(b"ZZNOTESZZ", b"run %d" % n))

    return make


def _stream_model(out: IO[bytes], model: str, versions: int, start_mark: int, t0: int,
                  rng: random.Random, chain: bool, lean: bool = False) -> int:
    """One model: root commit, then `versions` version commits and tags. Returns the next free mark."""
    mark = start_mark
    ref = f"refs/heads/{model}".encode()
    root = mark
    model_file = yamlio.dump(mf.build_model_file(model, mf.now_iso(t0), "", "", [], ""))
    out.write(b"commit %s\nmark :%d\nauthor %s\ncommitter %s\n" % (ref, root, _who(t0), _who(t0)))
    _data(out, f"create model {model}\n".encode())
    out.write(b"M 100644 inline model.yaml\n")
    _data(out, model_file)
    mark += 1
    tip = root
    commits: list[int] = []
    manifest = lean_manifests(model, t0) if lean else realistic_manifest
    for k in range(1, versions + 1):
        version = f"v{k}"
        # Mostly trained from the previous version; every 10th from three back (a branch).
        if k == 1:
            parent_k = None
        elif chain or k % 10:
            parent_k = k - 1
        else:
            parent_k = max(1, k - 3)
        first = root if parent_k is None else commits[parent_k - 1]
        parents = [first] if first == tip else [first, tip]
        ts = t0 + k
        notes = f"run {k}"
        body = f"\n\n{notes}\n"
        out.write(b"commit %s\nmark :%d\nauthor %s\ncommitter %s\n" % (ref, mark, _who(ts), _who(ts)))
        _data(out, f"register {model} {version}{body}".encode())
        out.write(b"from :%d\n" % parents[0])
        for p in parents[1:]:
            out.write(b"merge :%d\n" % p)
        out.write(b"deleteall\nM 100644 inline manifest.yaml\n")
        parent = f"{model}:v{parent_k}" if parent_k else None
        _data(out, manifest(model, version, k, parent, rng))
        out.write(b"tag %s/%s\nfrom :%d\ntagger %s\n" % (model.encode(), version.encode(), mark, _who(ts)))
        _data(out, f"{model} {version}{body}".encode())
        commits.append(mark)
        tip = mark
        mark += 1
    out.write(b"reset %s\nfrom :%d\n\n" % (ref, tip))
    return mark


def _fast_import(path: Path, write, bare: bool = True) -> None:
    tmp = path.with_name(path.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(["git", "init", "-q", *(["--bare"] if bare else []), str(tmp)], check=True)
    gitdir = tmp if bare else tmp / ".git"
    proc = subprocess.Popen(["git", f"--git-dir={gitdir}", "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    write(proc.stdin)
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"git fast-import failed for {path}")
    subprocess.run(["git", f"--git-dir={gitdir}", "pack-refs", "--all"], check=True)
    if not bare:
        subprocess.run(["git", "-C", str(tmp), "reset", "-q", "--hard", "main"], check=True)
    tmp.rename(path)


def build_gitreg(path: Path, total: int, per_model: int = 100, lean: bool = False) -> None:
    """`total` versions as ceil(total / per_model) models of up to `per_model` versions
    (lean: small template manifests, for scale tests that only count refs)."""
    rng = random.Random(total)

    def write(out):
        mark, done, i = 1, 0, 0
        while done < total:
            n = min(per_model, total - done)
            mark = _stream_model(out, model_name(i), n, mark, BASE_TIME + i * 1000, rng, chain=False,
                                 lean=lean)
            done += n
            i += 1

    _fast_import(path, write)


def build_chain(path: Path, depth: int) -> None:
    """One model `chain` whose versions each were trained from the previous one."""
    rng = random.Random(depth)
    _fast_import(path, lambda out: _stream_model(out, "chain", depth, 1, BASE_TIME, rng, chain=True))


def build_gto(path: Path, total: int, per_model: int = 100) -> None:
    """A GTO registry: a work-tree repo, one commit per version with an annotated `<model>@vN.0.0` tag."""

    def write(out):
        mark = 1
        done, i, ts = 0, 0, BASE_TIME
        prev = None
        while done < total:
            model = model_name(i)
            for k in range(1, min(per_model, total - done) + 1):
                ts += 1
                out.write(b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\n" % (mark, _who(ts), _who(ts)))
                _data(out, f"train {model} {k}\n".encode())
                if prev is not None:
                    out.write(b"from :%d\n" % prev)
                out.write(b"M 100644 inline models/%s.txt\n" % model.encode())
                _data(out, f"{model} weights {k}\n".encode())
                out.write(b"tag %s@v%d.0.0\nfrom :%d\ntagger %s\n" % (model.encode(), k, mark, _who(ts)))
                _data(out, f"Registering artifact {model} version v{k}.0.0\n".encode())
                prev = mark
                mark += 1
            done += min(per_model, total - done)
            i += 1

    _fast_import(path, write, bare=False)


def verify(path: Path, total: int, per_model: int = 100) -> None:
    """Read a fixture back through gitreg: model and version counts, one full record, metadata."""
    from gitreg import ModelRegistry

    reg = ModelRegistry(path)
    models = reg.list_models()
    expected_models = -(-total // per_model)
    assert len(models) == expected_models, (len(models), expected_models)
    versions = reg.list_versions(models[-1])
    assert versions and versions[-1].version == f"v{len(versions)}"
    assert versions[-1].evaluation_scores.accuracy is not None
    assert reg.get_metadata(models[0]).model_name == models[0]
