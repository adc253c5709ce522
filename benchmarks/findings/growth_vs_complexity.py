"""Finding 2: the network grows with task complexity.

Design (``--regime``: ``cpu``, ``gpu`` = full scale, ``smoke`` = a seconds-long pipeline check;
``legacy`` names the committed runs so that ``report`` can re-judge them): two task families,
CIFAR-10 and Fashion-MNIST, each restricted to its first 2, 5 and 10 classes; the shipped
recipe and prices from a small start window (8/16/32 channels x 3 layers x 2 steps) with room
to grow (max 128 channels, 4 layers, 8 steps); every task trained on its full training set for
enough epochs that the window settles while growth is still allowed; >= 3 seeds per task.

``report`` re-derives the verdict from the finished runs (folders or the archived
``NAME-sSEED.jsonl`` under ``benchmarks/results/growth_vs_complexity/runs``) by this rule,
written before the numbers:

* preconditions, per task: >= 3 seeds; mean test accuracy >= 0.70; every run's window left
  its start; every run's window settled (no growth event in the last quarter of the growth
  phase: epochs in (0.45, 0.60] x epochs); halting adapts (T >= 2 and mean E[t] in
  [1.05, T - 0.05]);
* per family: trend tests across complexity (OLS slope on log2(classes) over all runs, t
  interval) of total channels, layers and mean steps E[t]; the family "grows" when at least one
  of the three slopes is above 0 (Holm across the finding, 6 trend tests) -- required for both
  families.

    python benchmarks/findings/growth_vs_complexity.py run --out runs/growth --regime cpu --jobs 2
    python benchmarks/findings/growth_vs_complexity.py report --runs runs/growth --regime cpu
    python benchmarks/findings/growth_vs_complexity.py report --runs benchmarks/results/growth_vs_complexity/runs --regime legacy
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from common import (
    HALTING_ADAPTS_TEXT,
    RESULTS,
    archive_runs,
    collect_runs,
    halting_adapts,
    hardware,
    run_all,
    save_figure,
    t_interval,
    train_command,
    unfinished,
    write_json,
)

from neurogrow.stats.verdict import Precondition, Rule, combine, trend_comparison

OUT = RESULTS / "growth_vs_complexity"
ACCURACY_FLOOR = 0.70
MIN_SEEDS = 3
START = [8, 16, 32]
MEASURES = {
    "total_channels": lambda r: sum(r["window_channels"]),
    "layers": lambda r: r["window_layers"],
    "mean_steps": lambda r: r["test_mean_steps"],
}
START_SETS = ["model.channels=[8,16,32]", "model.steps=2"]


def tasks(families: dict[str, str], classes=(2, 5, 10)) -> dict[str, tuple[str, int, list[str]]]:
    """``{task: (family, n_classes, overrides)}``."""
    return {f"{fam}-{k}": (fam, k, [f"data.dataset='{ds}'", f"data.classes={k}"]) for fam, ds in families.items() for k in classes}


REGIMES = {
    "gpu": {"epochs": 25, "sets": START_SETS, "tasks": tasks({"cifar10": "cifar10", "fashion-mnist": "fashion-mnist"})},
    "cpu": {
        "epochs": 12,
        "sets": START_SETS + ["optim.epochs=12", "amp=false", "eval_every=12", "costs.time_objective='optimal-stop'"],
        "tasks": tasks({"cifar10": "cifar10", "fashion-mnist": "fashion-mnist"}),
    },
    "smoke": {
        "epochs": 2,
        "sets": ["data.synthetic_size=64", "model.channels=[4,6]", "model.max_channels=12", "model.max_layers=3",
                 "model.steps=2", "model.max_steps=4", "optim.epochs=2", "optim.batch_size=32", "growth.every_steps=2",
                 "eval_every=2", "amp=false"],
        "tasks": tasks({"synthetic": "synthetic", "synthetic-b": "synthetic"}, (2, 4)),
    },
    # the committed runs: 10,000 training images and 10 epochs for every task (H100)
    "legacy": {
        "epochs": 10,
        "sets": None,
        "tasks": {"cifar10-2": ("cifar10", 2, []), "cifar10-5": ("cifar10", 5, []), "cifar10-10": ("cifar10", 10, []),
                  "fashion-mnist": ("fashion-mnist", 10, [])},
    },
}

FAMILY_RULE = Rule("grows-with-complexity", "Within a task family, at least one of total channels, layers and mean "
                   "E[t] has an OLS slope on log2(classes) whose 95% t-interval over runs lies above 0 (Holm across "
                   "the finding's trend tests); required for every family.", mode="any")


def settled(rows: list[dict], epochs: int, until_fraction: float = 0.6) -> tuple[bool, str]:
    """No growth event in the last quarter of the growth phase."""
    lo, hi = 0.75 * until_fraction * epochs, until_fraction * epochs
    late = [r["epoch"] for r in rows if lo < r["epoch"] <= hi and r.get("events")]
    return not late, f"growth events in epochs {late}" if late else f"no growth events in epochs ({lo:g}, {hi:g}]"


def preconditions(rows: dict, task_table: dict, epochs: int, min_seeds: int) -> list[Precondition]:
    pre = []
    for task, by_seed in rows.items():
        pre.append(Precondition(f"{task}: seeds", len(by_seed) >= min_seeds, f"{len(by_seed)} finished seeds (need {min_seeds})"))
        if not by_seed:
            continue
        acc = float(np.mean([r["test_accuracy"] for r in by_seed.values()]))
        pre.append(Precondition(f"{task}: accuracy floor", acc >= ACCURACY_FLOOR, f"mean test accuracy {acc:.3f} (floor {ACCURACY_FLOOR})"))
        for seed, r in by_seed.items():
            checks = [("halting adapts", *halting_adapts(r)), ("window settled", *settled(r["rows"], epochs))]
            moved = r["window_channels"] != START or r["window_layers"] != len(START)
            checks.append(("window left its start", moved, f"final window {r['window_channels']}"))
            pre += [Precondition(f"{task} seed {seed}: {name}", ok, detail) for name, ok, detail in checks if not ok]
    return pre


def judge(rows: dict, task_table: dict, epochs: int, min_seeds: int = MIN_SEEDS) -> dict:
    pre = preconditions(rows, task_table, epochs, min_seeds)
    families: dict[str, list] = {}
    for task, (fam, k, _) in task_table.items():
        families.setdefault(fam, []).append((task, k))
    comps = {}
    for fam, members in families.items():
        if len(members) < 2:
            comps[fam] = []
            continue
        x = [math.log2(k) for task, k in members for _ in rows[task]]
        comps[fam] = [
            trend_comparison(f"{fam}: {m} vs log2(classes)", x, [f(r) for task, _ in members for r in rows[task].values()])
            for m, f in MEASURES.items()
        ]
    family = [c for cs in comps.values() for c in cs]
    claims = {}
    for fam, cs in comps.items():
        if cs:
            claims[fam] = FAMILY_RULE.decide(cs, pre, family)
        else:
            claims[fam] = {"verdict": "inconclusive", "reason": f"{fam}: one complexity level only, no trend test",
                           "rule": FAMILY_RULE.describe()}
    return {**combine(claims), "claims": claims}


def summarise(rows: dict) -> dict:
    out = {}
    for task, by_seed in rows.items():
        rs = list(by_seed.values())
        if not rs:
            out[task] = {"n_seeds": 0}
            continue
        entry = {"n_seeds": len(rs), "channels_per_layer": [r["window_channels"] for r in rs],
                 "steps_T": [r["window_steps"] for r in rs],
                 "test_accuracy_mean": float(np.mean([r["test_accuracy"] for r in rs])),
                 "train_seconds_mean": float(np.mean([r["train_seconds"] for r in rs]))}
        for m, f in MEASURES.items():
            v = [f(r) for r in rs]
            entry[f"{m}_mean"], entry[f"{m}_ci95"] = float(np.mean(v)), t_interval(v)
        out[task] = entry
    return out


def run(args: argparse.Namespace) -> None:
    regime = REGIMES[args.regime]
    if regime["sets"] is None:
        raise SystemExit(f"regime {args.regime} only describes committed runs; run cpu, gpu or smoke")
    roots = {"cifar10": args.cifar_root, "fashion-mnist": args.fmnist_root}
    cmds = []
    for task, (fam, _, extra) in regime["tasks"].items():
        root = roots.get(fam, "")
        for seed in args.seeds:
            sets = regime["sets"] + extra + [f"seed={seed}"] + ([f"data.root='{root}'"] if root else [])
            cmds.append(train_command(sets, Path(args.out) / f"{task}-s{seed}"))
    todo = unfinished(cmds, regime["epochs"])
    print(f"{len(cmds) - len(todo)} of {len(cmds)} runs already finished")
    run_all(todo, args.jobs)
    if args.archive:
        print(f"archived {archive_runs(Path(args.out), Path(args.archive))} runs to {args.archive}")


def report(args: argparse.Namespace) -> None:
    regime = REGIMES[args.regime]
    if not Path(args.runs).is_dir():
        print(f"error: --runs {args.runs}: not a folder (run folders or archived NAME-sSEED.jsonl files)", file=sys.stderr)
        raise SystemExit(2)
    rows = collect_runs(Path(args.runs), regime["tasks"], regime["epochs"])
    judgement = judge(rows, regime["tasks"], regime["epochs"], args.min_seeds)
    summary = summarise(rows)
    results = {
        "finding": "growth with task complexity",
        "verdict": judgement["verdict"],
        "reason": judgement["reason"],
        "rule": {"family": FAMILY_RULE.describe(), "combine": judgement["rule"],
                 "preconditions": f">= {args.min_seeds} seeds; mean test accuracy >= {ACCURACY_FLOOR}; window left its start "
                 f"and settled before growth stopped; halting adapts ({HALTING_ADAPTS_TEXT})"},
        "judgement": judgement,
        "regime": args.regime,
        "tasks": summary,
        "hardware": args.hardware or hardware(),
        "command": f"python benchmarks/findings/growth_vs_complexity.py report --runs {args.runs} --regime {args.regime}",
    }
    out = Path(args.results)
    write_json(out / "results.json", results)
    plot(summary, out / "growth_vs_complexity")
    print(f"verdict: {judgement['verdict']} ({judgement['reason']})")
    for c in judgement["claims"].values():
        for comp in c.get("comparisons", []):
            lo, hi = comp["ci95"]
            print(f"  {comp['name']}: slope {comp['estimate']:+.3f} [{lo if lo is None else round(lo, 3)}, {hi if hi is None else round(hi, 3)}]")


def plot(summary: dict, stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [t for t in summary if summary[t].get("n_seeds")]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, m in zip(axes, MEASURES):
        if not names:
            break
        means = [summary[t][f"{m}_mean"] for t in names]
        cis = np.array([summary[t][f"{m}_ci95"] for t in names])
        ax.bar(names, means, yerr=[np.subtract(means, cis[:, 0]), cis[:, 1] - means], capsize=4, color="#4477aa")
        ax.set_ylabel(m.replace("_", " "))
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle("Final window against task complexity (mean, 95% t-interval over seeds)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, stem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="train every task and seed (resumable: finished runs are skipped)")
    r.add_argument("--out", required=True)
    r.add_argument("--regime", choices=[k for k, v in REGIMES.items() if v["sets"] is not None], default="cpu")
    r.add_argument("--gpu", dest="regime", action="store_const", const="gpu", help="full scale (same as --regime gpu)")
    r.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--cifar-root", default="")
    r.add_argument("--fmnist-root", default="")
    r.add_argument("--archive", default="", help="copy finished runs' metrics here (e.g. benchmarks/results/growth_vs_complexity/runs)")
    r.set_defaults(func=run)
    p = sub.add_parser("report", help="judge the finished runs and write results.json and the figure")
    p.add_argument("--runs", required=True)
    p.add_argument("--regime", choices=list(REGIMES), default="cpu")
    p.add_argument("--results", default=str(OUT))
    p.add_argument("--min-seeds", type=int, default=MIN_SEEDS)
    p.add_argument("--hardware", default="", help="where the runs ran, if not here")
    p.set_defaults(func=report)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
