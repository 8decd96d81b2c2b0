#!/usr/bin/env bash
# gitreg quickstart: register three versions of a model, compare them, deploy,
# record a late evaluation, roll back, and draw the lineage tree -- on the
# default registry ($GITREG_REGISTRY, else ~/.local/share/gitreg/registry.git).
# Safe to run again: versions are auto-numbered.
set -euo pipefail

MODEL=${1:-quickstart-majora}
ARTIFACTS=${TMPDIR:-/tmp}/gitreg-quickstart
mkdir -p "$ARTIFACTS/lora"
printf 'pretend LoRA weights\n' > "$ARTIFACTS/lora/adapter_model.safetensors"
printf '{"r": 16, "alpha": 32}\n' > "$ARTIFACTS/lora/adapter_config.json"
run() { printf '\n$ %s\n' "$*"; "$@"; }

run gitreg init

v1=$(gitreg add "$MODEL" --quiet \
  --base-model Qwen2.5-Coder-7B --framework unsloth --samples 223 --epochs 3 \
  --batch-size 4 --learning-rate 0.0002 --training-data oracle --training-data toolbench \
  --lora-path "$ARTIFACTS/lora" --gguf-path "s3://models/$MODEL/Q8_0.gguf" \
  --accuracy 0.85 --f1-score 0.82 --speed 120 --duration-hours 3 --cost-usd 0.80 \
  --hardware "M2 Max" --git-commit abc123def456 --notes "Initial training")
v2=$(gitreg add "$MODEL" --quiet --parent "$v1" \
  --base-model Qwen2.5-Coder-7B --framework unsloth --samples 446 --epochs 3 \
  --training-data oracle --training-data toolbench --training-data additional-data \
  --accuracy 0.87 --f1-score 0.84 --speed 118 --notes "Fine-tuned on additional data")
v2b=$(gitreg add "$MODEL" "${v1}b" --quiet --parent "$v1" --tag experimental \
  --base-model Qwen2.5-Coder-7B --framework mlx --samples 223 --epochs 5 \
  --accuracy 0.83 --notes "Experimental branch: more epochs")
echo "registered $MODEL $v1, $v2, $v2b"

run gitreg list
run gitreg compare "$MODEL" "$v1" "$v2"
run gitreg deploy "$MODEL" "$v1"
run gitreg deploy "$MODEL" "$v2" --reason "better accuracy"
run gitreg score "$MODEL" "$v2" --accuracy 0.80 --metric pass_at_1=0.41
run gitreg rollback "$MODEL" --reason "regression found in late evaluation"
run gitreg tree "$MODEL"
run gitreg history "$MODEL"

registry=${GITREG_REGISTRY:-${XDG_DATA_HOME:-$HOME/.local/share}/gitreg/registry.git}
echo
echo "Everything above is plain git in $registry:"
run git --git-dir "$registry" log --oneline --first-parent "$MODEL/$v2"
run git --git-dir "$registry" show "refs/deployed/production/$MODEL:deployment.yaml"
