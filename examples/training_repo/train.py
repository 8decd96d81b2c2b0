#!/usr/bin/env python3
"""A tiny real training run: logistic regression by gradient descent, pure Python.

Generates a two-class data set (two noisy Gaussian blobs, fixed seed), trains on
80% of it, evaluates on the rest, and writes what a training job writes:
  out/weights.json       the trained weights (the "checkpoint" in .gitreg.yaml)
  results/metrics.json   evaluation scores (accuracy, f1_score, custom log_loss)
  results/params.json    training parameters (framework, samples, epochs, ...)
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path


def make_data(samples: int, seed: int) -> list[tuple[list[float], int]]:
    rng = random.Random(seed)
    data = []
    for i in range(samples):
        label = i % 2
        centre = (1.0, 1.0) if label else (-1.0, -0.5)
        data.append(([rng.gauss(centre[0], 1.2), rng.gauss(centre[1], 1.2)], label))
    rng.shuffle(data)
    return data


def predict(w: list[float], b: float, x: list[float]) -> float:
    z = b + sum(wi * xi for wi, xi in zip(w, x))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def train(data, epochs: int, lr: float, batch_size: int) -> tuple[list[float], float]:
    w, b = [0.0, 0.0], 0.0
    for _ in range(epochs):
        for start in range(0, len(data), batch_size):
            batch = data[start:start + batch_size]
            gw, gb = [0.0, 0.0], 0.0
            for x, y in batch:
                err = predict(w, b, x) - y
                gw = [g + err * xi for g, xi in zip(gw, x)]
                gb += err
            w = [wi - lr * g / len(batch) for wi, g in zip(w, gw)]
            b -= lr * gb / len(batch)
    return w, b


def evaluate(w, b, data) -> dict[str, float]:
    tp = fp = fn = correct = 0
    loss = 0.0
    for x, y in data:
        p = predict(w, b, x)
        guess = int(p >= 0.5)
        correct += guess == y
        tp += guess and y
        fp += guess and not y
        fn += (not guess) and y
        loss -= math.log(max(p if y else 1 - p, 1e-12))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": round(correct / len(data), 4), "f1_score": round(f1, 4),
            "log_loss": round(loss / len(data), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    started = time.time()
    data = make_data(args.samples, args.seed)
    cut = int(len(data) * 0.8)
    w, b = train(data[:cut], args.epochs, args.lr, args.batch_size)
    metrics = evaluate(w, b, data[cut:])

    Path("out").mkdir(exist_ok=True)
    Path("results").mkdir(exist_ok=True)
    Path("out/weights.json").write_text(json.dumps({"weights": w, "bias": b}, indent=2) + "\n")
    Path("results/metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    params = {"framework": "pure-python", "samples": cut, "epochs": args.epochs,
              "batch_size": args.batch_size, "learning_rate": args.lr,
              "duration_hours": round((time.time() - started) / 3600, 6), "seed": args.seed}
    Path("results/params.json").write_text(json.dumps(params, indent=2) + "\n")
    print(f"trained {args.epochs} epochs: " + ", ".join(f"{k}={v}" for k, v in metrics.items()))


if __name__ == "__main__":
    main()
