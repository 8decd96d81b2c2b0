#!/usr/bin/env bash
# gitreg quickstart: register three versions of a model, compare them, deploy,
# record a late evaluation, roll back, and draw the lineage tree.
#
# By default it runs on a new temporary registry, so nothing lands in yours.
# `examples/quickstart.sh --real` (or GITREG_QUICKSTART_REAL=1) uses the default registry
# ($GITREG_REGISTRY, else ~/.local/share/gitreg/registry.git) -- safe to run again there:
# versions are auto-numbered. Every command is printed as it can be pasted.
# Usage: examples/quickstart.sh [--real] [MODEL]
set -euo pipefail

REAL=${GITREG_QUICKSTART_REAL:-}
if [[ ${1:-} == --real ]]; then REAL=1; shift; fi
MODEL=${1:-quickstart-majora}
ARTIFACTS=$(mktemp -d "${TMPDIR:-/tmp}/gitreg-quickstart.XXXXXX")
mkdir -p "$ARTIFACTS/lora"
printf 'pretend LoRA weights\n' > "$ARTIFACTS/lora/adapter_model.safetensors"
printf '{"r": 16, "alpha": 32}\n' > "$ARTIFACTS/lora/adapter_config.json"

# A command as it can be pasted into a shell: arguments quoted where they need it.
quoted() {
  local out="" arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+="$arg "
    else out+="'${arg//\'/\'\\\'\'}' "; fi
  done
  printf '%s' "${out% }"
}
show() { printf '\n$ %s\n' "$(quoted "$@")"; }
run() { show "$@"; "$@"; }
capture() { local var=$1; shift; show "$@"; printf -v "$var" '%s' "$("$@")"; }  # VAR=$(command)

if [[ -z $REAL ]]; then
  export GITREG_REGISTRY="$ARTIFACTS/registry.git"
  echo "Using a new temporary registry (run with --real to use your default registry)."
  show export GITREG_REGISTRY="$GITREG_REGISTRY"
fi

run gitreg init
if [[ -z $REAL ]] && [[ -z ${GIT_COMMITTER_EMAIL:-}${EMAIL:-} ]] && ! git config --get user.email >/dev/null; then
  echo "No git identity is configured: the temporary registry gets a throwaway one."
  run git --git-dir "$GITREG_REGISTRY" config user.name "gitreg quickstart"
  run git --git-dir "$GITREG_REGISTRY" config user.email quickstart@example.invalid
fi

capture v1 gitreg add "$MODEL" --quiet \
  --base-model Qwen2.5-Coder-7B --framework unsloth --samples 223 --epochs 3 \
  --batch-size 4 --learning-rate 0.0002 --training-data oracle --training-data toolbench \
  --lora-path "$ARTIFACTS/lora" --gguf-path "s3://models/$MODEL/Q8_0.gguf" \
  --accuracy 0.85 --f1-score 0.82 --speed 120 --duration-hours 3 --cost-usd 0.80 \
  --hardware "M2 Max" --git-commit abc123def456 --notes "Initial training"
capture v2 gitreg add "$MODEL" --quiet --parent "$v1" \
  --base-model Qwen2.5-Coder-7B --framework unsloth --samples 446 --epochs 3 \
  --training-data oracle --training-data toolbench --training-data additional-data \
  --accuracy 0.87 --f1-score 0.84 --speed 118 --notes "Fine-tuned on additional data"
capture v2b gitreg add "$MODEL" "${v1}b" --quiet --parent "$v1" --tag experimental \
  --base-model Qwen2.5-Coder-7B --framework mlx --samples 223 --epochs 5 \
  --accuracy 0.83 --notes "Experimental branch: more epochs"
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
