from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from gitreg.clients.cli import context, options
from gitreg.clients.cli.terminal import plural, write


def run(
    ctx: typer.Context,
    model: options.Model,
    version: Annotated[Optional[str], typer.Argument(help="Version (default: next vN).")] = None,
    base_model: Annotated[Optional[str], typer.Option(help="Base model trained from.")] = None,
    framework: Annotated[Optional[str], typer.Option(help="unsloth, mlx, huggingface, ...")] = None,
    samples: Annotated[Optional[int], typer.Option(help="Training samples.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Epochs.")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Batch size.")] = None,
    learning_rate: Annotated[Optional[float], typer.Option(help="Learning rate.")] = None,
    training_data: Annotated[
        Optional[list[str]], typer.Option("--training-data", "-d", help="Data source; repeatable.")
    ] = None,
    lora_path: Annotated[Optional[str], typer.Option(help="LoRA weights (file, dir or URI).")] = None,
    gguf_path: Annotated[Optional[str], typer.Option(help="GGUF file (path or URI).")] = None,
    checkpoint_path: Annotated[Optional[str], typer.Option(help="Checkpoint (path or URI).")] = None,
    config_path: Annotated[Optional[str], typer.Option(help="Config file (path or URI).")] = None,
    file: Annotated[
        Optional[list[str]],
        typer.Option("--file", "-f", metavar="ROLE=PATH",
                     help="A file or directory of any role (gguf, tokenizer, ...); repeatable, several per role."),
    ] = None,
    store: Annotated[
        Optional[bool],
        typer.Option("--store/--no-store", show_default=False,
                     help="Put the files' bytes in the registry (Git LFS) so clones can get them "
                          "(default: git config gitreg.store)."),
    ] = None,
    accuracy: options.Accuracy = None,
    f1_score: options.F1 = None,
    perplexity: options.Perplexity = None,
    bleu: options.Bleu = None,
    speed: options.Speed = None,
    memory_mb: options.MemoryMb = None,
    latency_ms: options.LatencyMs = None,
    metric: options.Metric = None,
    metrics_from: Annotated[
        Optional[Path], typer.Option("--metrics-from", metavar="FILE", help="Metrics file or output "
                                     "directory (lm-eval, HF Trainer, JSON/YAML); see `score --from`.")
    ] = None,
    metrics_format: Annotated[
        str, typer.Option("--metrics-format", metavar="FORMAT", help="auto, lm-eval, hf-trainer or flat.")
    ] = "auto",
    params_from: Annotated[
        Optional[Path], typer.Option("--params-from", metavar="FILE", help="Training parameters file: "
                                     "gitreg's names, or HF training_args.json / trainer_state.json.")
    ] = None,
    duration_hours: Annotated[Optional[float], typer.Option(help="Training time, hours.")] = None,
    cost_usd: Annotated[Optional[float], typer.Option(help="Training cost, USD.")] = None,
    hardware: Annotated[Optional[str], typer.Option(help="Hardware trained on.")] = None,
    notes: Annotated[str, typer.Option(help="Free-text notes.")] = "",
    git_commit: Annotated[Optional[str], typer.Option(help="Commit of the training code.")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", "-t", help="Tag; repeatable.")] = None,
    parent: Annotated[
        Optional[str], typer.Option(help="Trained from: VERSION or MODEL:VERSION.")
    ] = None,
    status: Annotated[str, typer.Option(help="draft, training or completed.")] = "completed",
    card: Annotated[
        Optional[Path], typer.Option(help="Model card (Markdown) stored as README.md.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the version.")] = False,
    json_out: options.Json = False,
    sign: options.Sign = None,
    oms_signature: Annotated[
        Optional[Path], typer.Option("--oms-signature", metavar="FILE",
                                     help="An OpenSSF model signing signature of these files (model.sig), "
                                          "kept once it lists exactly the registered files.")
    ] = None,
) -> None:
    """Register a new version of MODEL (alias: register)."""
    from gitreg.clients.cli.progress import hash_progress

    scores = options.metrics_from(metrics_from, metrics_format, None, None)
    scores.update(options.collect_scores(
        accuracy, f1_score, perplexity, bleu, speed, memory_mb, latency_ms, metric
    ))
    given = {"base_model": base_model, "framework": framework, "samples": samples, "epochs": epochs,
             "batch_size": batch_size, "learning_rate": learning_rate, "duration_hours": duration_hours,
             "cost_usd": cost_usd, "hardware": hardware}
    if params_from is not None:
        from gitreg.api.registry import ModelRegistry

        read = ModelRegistry.read_params_file(params_from)
        if read.note():
            write(f"gitreg: note: {read.note()}", sys.stderr)
        given = {k: v if v is not None else read.params.get(k) for k, v in given.items()}
    reg = context.registry(ctx)
    new_model = not reg.has_model(model)
    with hash_progress() as progress:
        v = reg.register_model(
            model, version, **given,
            training_data=training_data, lora_path=lora_path, gguf_path=gguf_path,
            checkpoint_path=checkpoint_path, config_path=config_path,
            evaluation_scores=scores or None, notes=notes, git_commit=git_commit, tags=tag,
            parent_version=parent, status=status, model_card=card, progress=progress,
            sign=sign, files=_role_files(file), store=store,
        )
    if oms_signature is not None:
        from gitreg.core.errors import GitregError

        try:
            reg.add_oms_signature(f"{v.model_name}:{v.version}", oms_signature)
        except GitregError as exc:  # the version is written: say so, then why the signature is not
            raise type(exc)(f"registered {v.model_name} {v.version}, but its OMS signature was not kept: {exc}") \
                from None
    if json_out:
        context.emit_json(v.to_dict())
    elif quiet:
        context.say(v.version)
    elif reg.earlier_attempt is not None:  # a retry whose first attempt reached the remote
        context.say(reg.earlier_attempt.message)
    else:
        parent_note = f", from {v.parent_version}" if v.parent_version else ""
        new = "new model; " if new_model else ""
        stored = sum(1 for f in v.files if f.stored)
        stored_note = f", {plural(stored, 'file')} stored" if stored else ""
        signed = ", signed" if reg.is_signed(v.commit) else ""
        context.say(f"Registered {v.model_name} {v.version} "
                    f"({new}commit {v.commit[:12]}{parent_note}{stored_note}{signed})")
    close = reg.similar_models(model) if new_model else []
    if close:  # a typo creates a permanent model: say which existing ones were likely meant
        write(f"gitreg: warning: {model!r} is a new model; existing close names: {', '.join(close)}", sys.stderr)


def _role_files(items: Optional[list[str]]) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        role, sep, path = item.partition("=")
        if not sep or not role.strip() or not path:
            raise typer.BadParameter(f"expected ROLE=PATH, got {item!r}", param_hint="'--file'")
        out.append((role.strip(), path))
    return out
