from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, BadParameter, Context, Option
from gitreg.clients.cli.terminal import plural, write
from gitreg.core.errors import GitregError


def run(
    ctx: Context,
    model: options.Model,
    version: Annotated[Optional[str], Argument(help="Version (default: next vN).")] = None,
    base_model: Annotated[Optional[str], Option(help="Base model trained from.")] = None,
    framework: Annotated[Optional[str], Option(help="unsloth, mlx, huggingface, ...")] = None,
    samples: Annotated[Optional[int], Option(help="Training samples.")] = None,
    epochs: Annotated[Optional[float], Option(help="Epochs (fractional allowed: 2.5).")] = None,
    batch_size: Annotated[Optional[int], Option(help="Batch size.")] = None,
    learning_rate: Annotated[Optional[float], Option(help="Learning rate.")] = None,
    training_data: Annotated[
        Optional[list[str]], Option("--training-data", "-d", help="Data source; repeatable.")
    ] = None,
    data: Annotated[
        Optional[list[str]], Option("--data", metavar="NAME[@REV]|PATH",
                                          help="Training data with its provenance: NAME@REVISION (HF dataset "
                                               "commit, DVC/git revision) or a local file/directory (its sha256 "
                                               "is recorded for verify --files); repeatable.")
    ] = None,
    lora_path: Annotated[Optional[str], Option(help="LoRA weights (file, dir or URI).")] = None,
    gguf_path: Annotated[Optional[str], Option(help="GGUF file (path or URI).")] = None,
    checkpoint_path: Annotated[Optional[str], Option(help="Checkpoint (path or URI).")] = None,
    config_path: Annotated[Optional[str], Option(help="Config file (path or URI).")] = None,
    file: Annotated[
        Optional[list[str]],
        Option("--file", "-f", metavar="ROLE=PATH",
                     help="A file or directory of any role (gguf, tokenizer, ...); repeatable, several per role."),
    ] = None,
    store: Annotated[
        Optional[bool],
        Option("--store/--no-store", show_default=False,
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
        Optional[Path], Option("--metrics-from", metavar="FILE", help="Metrics file or output "
                                     "directory (lm-eval, HF Trainer, JSON/YAML); see `score --from`.")
    ] = None,
    metrics_format: Annotated[
        str, Option("--metrics-format", metavar="FORMAT", help="auto, lm-eval, hf-trainer or flat.")
    ] = "auto",
    params_from: Annotated[
        Optional[Path], Option("--params-from", metavar="FILE", help="Training parameters file or "
                                     "output directory: gitreg's names, HF training_args.json / trainer_state.json, "
                                     "PEFT adapter_config.json, axolotl / mlx-lm configs; every key is recorded.")
    ] = None,
    param: options.Param = None,
    curves_from: Annotated[
        Optional[Path], Option("--curves-from", metavar="FILE", help="Training curves: trainer_state.json "
                                     "(log_history) or a CSV / JSONL of step -> metrics; default: the "
                                     "trainer_state.json of --metrics-from / --params-from, if any.")
    ] = None,
    duration_hours: Annotated[Optional[float], Option(help="Training time, hours.")] = None,
    cost_usd: Annotated[Optional[float], Option(help="Training cost, USD.")] = None,
    hardware: Annotated[Optional[str], Option(help="Hardware trained on.")] = None,
    notes: Annotated[str, Option(help="Free-text notes.")] = "",
    git_commit: Annotated[Optional[str], Option(help="Commit of the training code.")] = None,
    tag: Annotated[Optional[list[str]], Option("--tag", "-t", help="Tag; repeatable.")] = None,
    parent: Annotated[
        Optional[str], Option(help="Trained from: VERSION or MODEL:VERSION.")
    ] = None,
    status: Annotated[str, Option(help="draft, training or completed.")] = "completed",
    card: Annotated[
        Optional[Path], Option(help="Model card (Markdown) stored as README.md.")
    ] = None,
    quiet: Annotated[bool, Option("--quiet", "-q", help="Print only the version.")] = False,
    json_out: options.Json = False,
    sign: options.Sign = None,
    oms_signature: Annotated[
        Optional[Path], Option("--oms-signature", metavar="FILE",
                                     help="An OpenSSF model signing signature of these files (model.sig): "
                                          "kept with the version; refused, registering nothing, "
                                          "unless it lists exactly these files.")
    ] = None,
    dry_run: options.DryRun = False,
) -> None:
    """Register a new version of MODEL (alias: register)."""
    from gitreg.clients.cli.progress import hash_progress

    scores, metric_info = options.metrics_read(metrics_from, metrics_format, None, None)
    scores.update(options.collect_scores(
        accuracy, f1_score, perplexity, bleu, speed, memory_mb, latency_ms, metric
    ))
    given = {"base_model": base_model, "framework": framework, "samples": samples, "epochs": epochs,
             "batch_size": batch_size, "learning_rate": learning_rate, "duration_hours": duration_hours,
             "cost_usd": cost_usd, "hardware": hardware}
    params = options.collect_params(param)
    if params_from is not None:
        from gitreg.api.registry import ModelRegistry

        read = ModelRegistry.read_params_file(params_from)
        if read.note():
            write(f"gitreg: note: {read.note()}", sys.stderr)
        given = {k: v if v is not None else read.params.get(k) for k, v in given.items()}
        params = {**read.recorded, **params}
    curves = _curves(curves_from, metrics_from, params_from)
    if data:
        from gitreg.api.registry import ModelRegistry

        training_data = [*(training_data or []), *(ModelRegistry.data_source(spec) for spec in data)]
    reg = context.registry(ctx)
    new_model = not reg.has_model(model)
    with hash_progress() as progress:
        v = reg.register_model(
            model, version, **given,
            training_data=training_data, lora_path=lora_path, gguf_path=gguf_path,
            checkpoint_path=checkpoint_path, config_path=config_path,
            evaluation_scores=scores or None, notes=notes, git_commit=git_commit, tags=tag,
            parent_version=parent, status=status, model_card=card, progress=progress,
            sign=sign, files=_role_files(file), store=store, dry_run=dry_run,
            params=params or None, metric_info=metric_info or None, curves=curves,
            oms_signature=oms_signature,
        )
    if dry_run:
        context.show_preview(v, json_out)
        return
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


def _curves(given: Optional[Path], *outputs: Optional[Path]) -> object:
    """Curves of --curves-from, else of the trainer_state.json the other files came from."""
    from gitreg.api.registry import ModelRegistry

    if given is not None:
        return ModelRegistry.read_curves_file(given)
    for path in outputs:
        if path is None:
            continue
        state = path / "trainer_state.json" if path.is_dir() else path
        if state.name == "trainer_state.json" and state.is_file():
            try:
                return ModelRegistry.read_curves_file(state)
            except GitregError:  # a state without step entries: no curves, said by nothing else
                return None
    return None


def _role_files(items: Optional[list[str]]) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        role, sep, path = item.partition("=")
        if not sep or not role.strip() or not path:
            raise BadParameter(f"expected ROLE=PATH, got {item!r}", param_hint="'--file'")
        out.append((role.strip(), path))
    return out
