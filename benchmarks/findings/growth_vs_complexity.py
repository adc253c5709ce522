"""Finding 2: the network grows with task complexity.

Trains the shipped model's recipe (same prices, same growth rules) from a small
starting window (8/16/32 channels, 3 layers, 2 steps) on tasks of increasing
complexity at an equal budget of 10,000 training images and 10 epochs: CIFAR-10
restricted to its first 2, 5 and 10 classes, and Fashion-MNIST (10 classes), each
with several seeds. Reports the final window (channels per layer, layers, mean
steps) per task with 95% t-intervals over seeds, and writes
``benchmarks/results/growth_vs_complexity/results.json`` and a figure.

    python benchmarks/findings/growth_vs_complexity.py run --out runs/growth --jobs 12
    python benchmarks/findings/growth_vs_complexity.py report --runs runs/growth
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from common import RESULTS, final_row, hardware, run_all, run_report_main, save_figure, t_interval, train_command, write_json

OUT = RESULTS / "growth_vs_complexity"
COMMON = [
    "optim.epochs=10",
    "data.train_subset=10000",
    "model.channels=[8,16,32]",
    "model.steps=2",
    "growth.every_steps=20",
    "eval_every=10",
]
TASKS = {
    "cifar10-2": ["data.classes=2"],
    "cifar10-5": ["data.classes=5"],
    "cifar10-10": ["data.classes=10"],
    "fashion-mnist": ["data.dataset='fashion-mnist'"],
}


def run_commands(out: Path, seeds: list[int], cifar_root: str, fmnist_root: str) -> list[list[str]]:
    """One ``neurogrow train`` command per task and seed."""
    cmds = []
    for task, extra in TASKS.items():
        root = fmnist_root if task == "fashion-mnist" else cifar_root
        for seed in seeds:
            sets = COMMON + extra + [f"seed={seed}"] + ([f"data.root='{root}'"] if root else [])
            cmds.append(train_command(sets, out / f"{task}-s{seed}"))
    return cmds


def run(args: argparse.Namespace) -> None:
    run_all(run_commands(Path(args.out), args.seeds, args.cifar_root, args.fmnist_root), args.jobs)


def report(args: argparse.Namespace) -> None:
    runs = Path(args.runs)
    per_task = {}
    for task in TASKS:
        rows = [r for d in sorted(runs.glob(f"{task}-s*")) if (r := final_row(d, 10))]
        if not rows:
            continue
        total = [sum(r["window_channels"]) for r in rows]
        per_task[task] = {
            "n_seeds": len(rows),
            "channels_per_layer": [r["window_channels"] for r in rows],
            "total_channels_mean": float(np.mean(total)),
            "total_channels_ci95": t_interval(total),
            "layers_mean": float(np.mean([r["window_layers"] for r in rows])),
            "steps_T_mean": float(np.mean([r["window_steps"] for r in rows])),
            "mean_steps_mean": float(np.mean([r["test_mean_steps"] for r in rows])),
            "mean_steps_ci95": t_interval([r["test_mean_steps"] for r in rows]),
            "params_mean": float(np.mean([r["params"] for r in rows])),
            "test_accuracy_mean": float(np.mean([r["test_accuracy"] for r in rows])),
            "train_seconds_mean": float(np.mean([r["train_seconds"] for r in rows])),
        }
    cifar = [per_task[t]["total_channels_mean"] for t in ("cifar10-2", "cifar10-5", "cifar10-10") if t in per_task]
    grows = len(cifar) == 3 and cifar[0] < cifar[1] < cifar[2]
    steps = [per_task[t]["mean_steps_mean"] for t in ("cifar10-2", "cifar10-5", "cifar10-10") if t in per_task]
    verdict = "reproduced" if grows and steps == sorted(steps) else ("partly" if grows or steps == sorted(steps) else "not reproduced")
    results = {
        "finding": "growth with task complexity",
        "verdict": verdict,
        "design": "shipped recipe and prices, start window 8/16/32 channels x 3 layers x 2 steps; "
        "10,000 training images and 10 epochs for every task; final window per task",
        "tasks": per_task,
        "total_channels_increase_with_classes": grows,
        "mean_steps_increase_with_classes": steps == sorted(steps),
        "hardware": args.hardware or hardware(),
        "command": "python benchmarks/findings/growth_vs_complexity.py run --out RUNS; ... report --runs RUNS",
    }
    write_json(OUT / "results.json", results)
    plot(per_task, OUT / "growth_vs_complexity")
    print(json.dumps({t: {k: v for k, v in r.items() if k != "channels_per_layer"} for t, r in per_task.items()}, indent=1))
    print("verdict:", verdict)


def plot(per_task: dict, stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(per_task)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, key, label in zip(
        axes,
        ("total_channels", "mean_steps", None),
        ("total channels in window", "mean steps E[t] (test)", "parameters"),
    ):
        if key:
            means = [per_task[t][f"{key}_mean"] for t in tasks]
            cis = np.array([per_task[t][f"{key}_ci95"] for t in tasks])
            ax.bar(tasks, means, yerr=[np.subtract(means, cis[:, 0]), cis[:, 1] - means], capsize=4, color="#4477aa")
        else:
            ax.bar(tasks, [per_task[t]["params_mean"] for t in tasks], color="#4477aa")
        ax.set_ylabel(label)
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle("Final window against task complexity (mean, 95% CI over seeds)")
    fig.tight_layout()
    save_figure(fig, stem)


def add_run_args(parser) -> None:
    parser.add_argument("--cifar-root", default="")
    parser.add_argument("--fmnist-root", default="")


def main() -> None:
    run_report_main(__doc__, run, report, add_run_args)


if __name__ == "__main__":
    main()
