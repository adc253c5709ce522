"""Finding 1: trade-offs between breadth, depth and time.

Two parts.

A. The price of time, at full scale (CIFAR-10, 50,000 training images, the shipped
   recipe, trained on an H100; one seed per price): accuracy against mean steps for
   time prices 0.01, 0.03 (the shipped model) and 0.06, and the one-step control.
   Read from ``benchmarks/results/gpu_runs/`` (the runs' metrics files).

B. Raising one price at a time, at small scale on the CPU (CIFAR-10, a seeded
   subset of 2,000 training and 500 test images, 3 epochs, start window 8/16/32 x
   2 steps; 3 seeds): the shipped prices as baseline, then the breadth, depth or
   time price raised. For each dimension, the change of the final window's total
   channels, layers and mean steps against the baseline of the same seed (paired),
   with 95% t-intervals.

    python benchmarks/findings/tradeoffs.py run --out runs/tradeoffs
    python benchmarks/findings/tradeoffs.py report --runs runs/tradeoffs
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from common import RESULTS, final_row, hardware, run_all, run_report_main, save_figure, t_interval, train_command, write_json

OUT = RESULTS / "tradeoffs"
GPU_RUNS = RESULTS / "gpu_runs"
EPOCHS = 3
COMMON = [
    f"optim.epochs={EPOCHS}",
    "optim.batch_size=128",
    "data.train_subset=2000",
    "data.test_subset=500",
    "model.channels=[8,16,32]",
    "model.steps=2",
    "growth.every_steps=4",
    f"eval_every={EPOCHS}",
]
CONDITIONS = {
    "baseline": [],
    "breadth_price_x250": ["costs.breadth_price=0.05"],
    "depth_price_x200": ["costs.depth_price=0.2"],
    "time_price_x3": ["costs.time_price=0.09"],
}
MEASURES = {"total_channels": lambda r: sum(r["window_channels"]), "layers": lambda r: r["window_layers"], "mean_steps": lambda r: r["test_mean_steps"]}


def run(args: argparse.Namespace) -> None:
    cmds = [
        train_command(COMMON + extra + [f"seed={seed}"], Path(args.out) / f"{name}-s{seed}")
        for seed in args.seeds
        for name, extra in CONDITIONS.items()
    ]
    run_all(cmds, args.jobs)


def time_price_front() -> dict:
    """Part A: final test accuracy and mean steps of the full-scale time-price runs."""
    front = {}
    for path in sorted(GPU_RUNS.glob("adaptive_time_price_*.jsonl")) + [GPU_RUNS / "one_step.jsonl"]:
        last = json.loads(path.read_text().splitlines()[-1])
        front[path.stem] = {
            "time_price": None if path.stem == "one_step" else float(path.stem.rsplit("_", 1)[1]),
            "test_accuracy": last["test_accuracy"],
            "mean_steps": last["test_mean_steps"],
            "window_channels": last["window_channels"],
            "window_steps": last["window_steps"],
            "params": last["params"],
            "train_seconds": sum(json.loads(line)["seconds"] for line in path.read_text().splitlines()),
        }
    return front


def report(args: argparse.Namespace) -> None:
    runs = Path(args.runs)
    rows = {name: {} for name in CONDITIONS}
    for name in CONDITIONS:
        for d in sorted(runs.glob(f"{name}-s*")):
            if row := final_row(d, EPOCHS):
                rows[name][int(d.name.rsplit("-s", 1)[1])] = row
    summary = {}
    for name, by_seed in rows.items():
        entry = {
            "n_seeds": len(by_seed),
            "test_accuracy_mean": float(np.mean([r["test_accuracy"] for r in by_seed.values()])),
            "train_seconds_mean": float(np.mean([r["train_seconds"] for r in by_seed.values()])),
        }
        for m, f in MEASURES.items():
            entry[f"{m}_mean"] = float(np.mean([f(r) for r in by_seed.values()]))
            if name != "baseline":
                diffs = [f(r) - f(rows["baseline"][s]) for s, r in by_seed.items() if s in rows["baseline"]]
                entry[f"{m}_change_vs_baseline"] = float(np.mean(diffs))
                entry[f"{m}_change_ci95"] = t_interval(diffs)
        summary[name] = entry
    own = {"breadth_price_x250": "total_channels", "depth_price_x200": "layers", "time_price_x3": "mean_steps"}
    shrinks = {c: summary[c][f"{m}_change_ci95"][1] < 0 for c, m in own.items()}
    others_grow = {
        c: any(summary[c][f"{m}_change_vs_baseline"] > 0 for m in MEASURES if m != own[c]) for c in own
    }
    front = time_price_front()
    accs = [v["test_accuracy"] for k, v in sorted(front.items()) if v["time_price"] is not None]
    steps = [v["mean_steps"] for k, v in sorted(front.items()) if v["time_price"] is not None]
    time_tradeoff = steps == sorted(steps, reverse=True) and accs == sorted(accs, reverse=True)
    held = sum(shrinks.values()) + sum(others_grow.values())
    verdict = "reproduced" if held == 6 and time_tradeoff else "partly" if held >= 3 or time_tradeoff else "not reproduced"
    results = {
        "finding": "trade-offs between breadth, depth and time",
        "verdict": verdict,
        "part_a_time_price_front": front,
        "part_a_more_time_price_fewer_steps_lower_accuracy": time_tradeoff,
        "part_a_hardware": "NVIDIA H100 80GB HBM3 (see gpu_runs metrics); one seed per price",
        "part_a_command": "neurogrow train --config neurogrow/zoo/blt-cifar10-adaptive.toml --set costs.time_price=P "
        "--out RUN (P = 0.01, 0.03, 0.06; one step: --set model.steps=1 --set model.max_steps=1); "
        "models with their full configs in benchmarks/results/gpu_models/ and neurogrow/zoo/",
        "part_b_design": "CIFAR-10, 2,000 train / 500 test images, 3 epochs, shipped prices as baseline "
        "(breadth 2e-4, depth 1e-3, time 0.03); one price raised at a time; changes paired by seed",
        "part_b_conditions": summary,
        "part_b_own_dimension_shrinks": shrinks,
        "part_b_another_dimension_grows": others_grow,
        "part_b_hardware": args.hardware or hardware(),
        "command": "python benchmarks/findings/tradeoffs.py run --out RUNS; python benchmarks/findings/tradeoffs.py report --runs RUNS",
    }
    write_json(OUT / "results.json", results)
    plot(front, summary, OUT / "tradeoffs")
    print(json.dumps(results, indent=1))


def plot(front: dict, summary: dict, stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(14, 3.3))
    ax = axes[0]
    for name, v in front.items():
        ax.scatter(v["mean_steps"], v["test_accuracy"], color="#4477aa")
        ax.annotate(name.replace("adaptive_time_price_", "λT="), (v["mean_steps"], v["test_accuracy"]), fontsize=8)
    ax.set_xlabel("mean steps E[t]")
    ax.set_ylabel("CIFAR-10 test accuracy")
    ax.set_title("A: price of time (full scale)")
    conditions = [c for c in summary if c != "baseline"]
    for ax, m in zip(axes[1:], MEASURES):
        vals = [summary[c][f"{m}_change_vs_baseline"] for c in conditions]
        cis = np.array([summary[c][f"{m}_change_ci95"] for c in conditions])
        ax.bar(range(len(conditions)), vals, yerr=[np.subtract(vals, cis[:, 0]), cis[:, 1] - vals], capsize=4, color="#cc6677")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xticks(range(len(conditions)), [c.replace("_price", "") for c in conditions], rotation=25, fontsize=8)
        ax.set_title(f"B: change in {m.replace('_', ' ')}")
    fig.tight_layout()
    save_figure(fig, stem)


def main() -> None:
    run_report_main(__doc__, run, report)


if __name__ == "__main__":
    main()
