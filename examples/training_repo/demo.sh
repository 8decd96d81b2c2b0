#!/usr/bin/env bash
# A training repository that registers its own versions: copies this folder to a
# temporary directory, makes it a git repository, installs gitreg's post-commit
# hook, runs two training rounds with a commit each, and shows the registered
# versions and their lineage. The registry is a fresh one next to the copy
# (never your default registry). Needs gitreg on PATH (or GITREG=...) and python3.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
GITREG=${GITREG:-gitreg}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gitreg-training-demo.XXXXXX")
REGISTRY="$WORK/registry.git"          # what .gitreg.yaml's `registry: ../registry.git` names
REPO="$WORK/training_repo"
run() { printf '\n$ %s\n' "$*"; "$@"; }

mkdir "$REPO"
cp "$HERE/train.py" "$HERE/.gitreg.yaml" "$REPO/"
cd "$REPO"
printf '__pycache__/\n' > .gitignore
git init -q
git config user.name >/dev/null || git config user.name "gitreg demo"
git config user.email >/dev/null || git config user.email "demo@example.invalid"

run "$GITREG" hook install
run git add .
run git commit -q -m "Training code: logistic regression in pure Python"
echo "(code only: no version registered)"

run "$PYTHON" train.py --epochs 1 --lr 0.01
run git add out results
run git commit -q -m "Round 1: 1 epoch at lr 0.01"

run "$PYTHON" train.py --epochs 30 --lr 0.2
run git commit -q -a -m "Round 2: 30 epochs at lr 0.2"

run "$GITREG" -R "$REGISTRY" versions demo-logreg
run "$GITREG" -R "$REGISTRY" lineage demo-logreg
run "$GITREG" -R "$REGISTRY" compare demo-logreg v1 v2
run git --git-dir "$REGISTRY" show demo-logreg/v2:manifest.yaml
echo
echo "Training repository: $REPO   registry: $REGISTRY"
