"""Finding 1: trade-offs between breadth, depth and time.

Design (``--regime``: ``cpu``, ``gpu`` = full scale, ``smoke`` = a seconds-long pipeline check;
``legacy-cpu`` names the committed 2,000-image runs so that ``report`` can re-judge them):
the shipped prices as the baseline, then one price changed at a time (breadth x5, depth x10,
time x1.5) and the time price lowered (x2/3) for the time front; >= 3 seeds per condition,
paired by seed (the same seed gives the same initial window and data order). Time prices stay
between 0.02 and 0.045, where the full-scale runs show E[t] inside the window (0.01 ran all 8
steps on every image, 0.06 collapsed to T = 1).

``report`` re-derives everything from the finished runs (run folders or the archived
``NAME-sSEED.jsonl`` committed under ``benchmarks/results/tradeoffs/runs``) with this rule,
written before the numbers:

* preconditions: >= 3 seeds per condition; mean test accuracy >= 0.70 in every condition;
  every adaptive run adapts (T >= 2 and mean E[t] within [1.05, T - 0.05]);
* "own dimension shrinks": raising a price lowers that dimension (paired t over seeds, all three);
* "another dimension grows": for each raised price, at least one of the other two dimensions
  grows (paired; any of the two, Holm) -- the paper's trade-off, required for every price;
* "time front": the lower time price gives more steps and higher accuracy than the higher one
  (paired by seed);
Holm across all comparisons of the finding; the verdict combines the three claims.
Part A (committed full-scale H100 runs, one seed per time price) is judged by the same rule.

    python benchmarks/findings/tradeoffs.py run --out runs/tradeoffs --regime cpu --jobs 2
    python benchmarks/findings/tradeoffs.py report --runs runs/tradeoffs --regime cpu
    python benchmarks/findings/tradeoffs.py report --runs benchmarks/results/tradeoffs/runs --regime legacy-cpu
"""
from __future__ import annotations

import argparse
import json
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

from neurogrow.stats.verdict import Precondition, Rule, combine, paired_t_comparison

OUT = RESULTS / "tradeoffs"
GPU_RUNS = RESULTS / "gpu_runs"
ACCURACY_FLOOR = 0.70
MIN_SEEDS = 3
SHIPPED = {"breadth": 2e-4, "depth": 1e-3, "time": 0.03}
MEASURES = {
    "total_channels": lambda r: sum(r["window_channels"]),
    "layers": lambda r: r["window_layers"],
    "mean_steps": lambda r: r["test_mean_steps"],
}
OWN = {"breadth": "total_channels", "depth": "layers", "time": "mean_steps"}

#: role of each condition: baseline, raise:<dimension>, lower:time
DESIGN = {
    "baseline": ("baseline", []),
    "breadth_x5": ("raise:breadth", [f"costs.breadth_price={SHIPPED['breadth'] * 5:g}"]),
    "depth_x10": ("raise:depth", [f"costs.depth_price={SHIPPED['depth'] * 10:g}"]),
    "time_x1.5": ("raise:time", [f"costs.time_price={SHIPPED['time'] * 1.5:g}"]),
    "time_x0.67": ("lower:time", [f"costs.time_price={SHIPPED['time'] * 2 / 3:g}"]),
}
REGIMES = {
    # full CIFAR-10 with the shipped recipe (25 epochs); what an H100 runs in ~7 min per run
    "gpu": {"epochs": 25, "sets": [], "design": DESIGN},
    # CPU (chosen on pilot runs of the baseline price, benchmarks/results/tradeoffs/pilots/): the
    # full CIFAR-10 training set, a start window of 16/32/64 channels x 3 steps with at most 64
    # channels per layer (layers and steps keep the shipped limits, 4 and 8), 4 epochs, translation
    # of up to 2 pixels, no AMP, and the window checked every half epoch until 75 % of training
    # (with growth only at epoch ends, T stopped growing at epoch 2 and every image used all of
    # it). About 18 min per run on one core; test accuracy every epoch.
    # With the optimal-stop halting objective (2026-12) and T capped at 6 steps: the regime that
    # benchmarks/findings/price_response.py tests as a dial.
    "cpu": {
        "epochs": 4,
        "sets": ["optim.epochs=4", "amp=false", "model.channels=[16,32,64]", "model.max_channels=64", "model.steps=3",
                 "model.max_steps=6", "data.max_shift=2", "growth.every_steps=98", "growth.until_fraction=0.75",
                 "eval_every=1", "costs.time_objective='optimal-stop'", "model.halting_head='auto'"],
        "design": DESIGN,
    },
    # The same regime under the halting objective of before 2026-12 ("coupled"): the 10 runs archived
    # in benchmarks/results/tradeoffs/runs-cpu-coupled, halting pinned in 6 of them.
    "cpu-coupled": {
        "epochs": 4,
        "sets": ["optim.epochs=4", "amp=false", "model.channels=[16,32,64]", "model.max_channels=64", "model.steps=3",
                 "data.max_shift=2", "growth.every_steps=98", "growth.until_fraction=0.75", "eval_every=1",
                 "costs.time_objective='coupled'"],
        "design": DESIGN,
    },
    # seconds: checks the pipeline (synthetic task), not the science
    "smoke": {
        "epochs": 2,
        "sets": [
            "data.dataset='synthetic'", "data.synthetic_size=64", "model.channels=[4,6]", "model.max_channels=12",
            "model.max_layers=3", "model.steps=2", "model.max_steps=4", "optim.epochs=2", "optim.batch_size=32",
            "growth.every_steps=2", "eval_every=2", "amp=false",
        ],
        "design": DESIGN,
    },
    # the committed small CPU runs (2,000 train / 500 test images, 3 epochs, start 8/16/32 x 2 steps)
    "legacy-cpu": {
        "epochs": 3,
        "sets": None,
        "design": {
            "baseline": ("baseline", []),
            "breadth_price_x250": ("raise:breadth", ["costs.breadth_price=0.05"]),
            "depth_price_x200": ("raise:depth", ["costs.depth_price=0.2"]),
            "time_price_x3": ("raise:time", ["costs.time_price=0.09"]),
        },
    },
}

OWN_RULE = Rule("price-shrinks-own-dimension", "Raising a dimension's price lowers that dimension: paired-by-seed "
                "t-interval of the change below 0 for breadth (total channels), depth (layers) and time (mean E[t]).")
GROWS_RULE = Rule("another-dimension-grows", "For the raised price of one dimension, at least one of the other two "
                  "dimensions grows: paired-by-seed t-interval of the change above 0 (Holm across the finding).", mode="any")
FRONT_RULE = Rule("time-front", "Lowering the time price (x2/3 vs x1.5 of the shipped 0.03) gives more steps and higher "
                  "test accuracy: both paired-by-seed t-intervals above 0.")
ALL_GROW = Rule("another-dimension-grows-for-every-price", "The another-dimension-grows claim holds for every raised price.")


def preconditions(rows: dict[str, dict[int, dict]], min_seeds: int = MIN_SEEDS) -> list[Precondition]:
    pre = []
    for name, by_seed in rows.items():
        pre.append(Precondition(f"{name}: seeds", len(by_seed) >= min_seeds, f"{len(by_seed)} finished seeds (need {min_seeds})"))
        if by_seed:
            acc = float(np.mean([r["test_accuracy"] for r in by_seed.values()]))
            pre.append(Precondition(f"{name}: accuracy floor", acc >= ACCURACY_FLOOR, f"mean test accuracy {acc:.3f} (floor {ACCURACY_FLOOR})"))
            for seed, r in by_seed.items():
                ok, detail = halting_adapts(r)
                if not ok:
                    pre.append(Precondition(f"{name} seed {seed}: halting adapts", False, detail))
    return pre


def paired(rows: dict, a: str, b: str, measure: str) -> list[float]:
    """``measure`` of condition ``a`` minus condition ``b``, per seed both have."""
    f = MEASURES[measure] if measure in MEASURES else (lambda r: r[measure])
    return [f(rows[a][s]) - f(rows[b][s]) for s in sorted(rows[a]) if s in rows.get(b, {})]


def judge(rows: dict[str, dict[int, dict]], design: dict, min_seeds: int = MIN_SEEDS) -> dict:
    role = {r: name for name, (r, _) in design.items()}
    pre = preconditions(rows, min_seeds)
    own, grows = [], {}
    for dim, measure in OWN.items():
        cond = role.get(f"raise:{dim}")
        if cond is None:
            continue
        own.append(paired_t_comparison(f"raise {dim} price: change in {measure}", paired(rows, cond, "baseline", measure), direction=-1))
        grows[dim] = [paired_t_comparison(f"raise {dim} price: change in {m}", paired(rows, cond, "baseline", m))
                      for m in MEASURES if m != measure]
    front = []
    if "lower:time" in role and "raise:time" in role:
        lo, hi = role["lower:time"], role["raise:time"]
        front = [paired_t_comparison("time price x2/3 minus x1.5: mean steps", paired(rows, lo, hi, "mean_steps")),
                 paired_t_comparison("time price x2/3 minus x1.5: test accuracy", paired(rows, lo, hi, "test_accuracy"))]
    family = own + [c for cs in grows.values() for c in cs] + front
    claims = {"own_dimension_shrinks": OWN_RULE.decide(own, pre, family)}
    per_price = {dim: GROWS_RULE.decide(cs, pre, family) for dim, cs in grows.items()}
    claims["another_dimension_grows"] = {**combine(per_price), "per_price": per_price}
    claims["time_front"] = FRONT_RULE.decide(front, pre, family) if front else {
        "verdict": "inconclusive", "reason": "comparisons not available: no lowered time price in this design",
        "rule": FRONT_RULE.describe()}
    return {**combine(claims), "claims": claims}


def summarise(rows: dict[str, dict[int, dict]]) -> dict:
    """Per condition: means and 95% t-intervals over seeds of accuracy and each cost."""
    out = {}
    for name, by_seed in rows.items():
        if not by_seed:
            out[name] = {"n_seeds": 0}
            continue
        vals = {"test_accuracy": [r["test_accuracy"] for r in by_seed.values()],
                "params": [r["params"] for r in by_seed.values()],
                "train_seconds": [r["train_seconds"] for r in by_seed.values()]}
        vals.update({m: [f(r) for r in by_seed.values()] for m, f in MEASURES.items()})
        out[name] = {"n_seeds": len(by_seed), "seeds": sorted(by_seed),
                     **{f"{k}_mean": float(np.mean(v)) for k, v in vals.items()},
                     **{f"{k}_ci95": t_interval(v) for k, v in vals.items()}}
    return out


def pareto(summary: dict, cost: str) -> list[str]:
    """Conditions on the front of accuracy against ``cost`` (by their seed means)."""
    names = [n for n, s in summary.items() if s.get("n_seeds")]
    front = []
    for n in names:
        a, c = summary[n]["test_accuracy_mean"], summary[n][f"{cost}_mean"]
        dominated = any(summary[m]["test_accuracy_mean"] >= a and summary[m][f"{cost}_mean"] <= c
                        and (summary[m]["test_accuracy_mean"] > a or summary[m][f"{cost}_mean"] < c) for m in names if m != n)
        if not dominated:
            front.append(n)
    return front


def part_a() -> tuple[dict, dict]:
    """The committed full-scale time-price runs (one seed each), judged by the same rule."""
    rows, front = {}, {}
    for path in sorted(GPU_RUNS.glob("adaptive_time_price_*.jsonl")):
        last = [json.loads(line) for line in path.read_text().splitlines()][-1]
        price = float(path.stem.rsplit("_", 1)[1])
        front[path.stem] = {"time_price": price, **{k: last[k] for k in ("test_accuracy", "test_mean_steps", "window_channels", "window_steps", "params")}}
        rows[path.stem] = {0: last}
    design = {"adaptive_time_price_0.03": ("baseline", []), "adaptive_time_price_0.06": ("raise:time", []),
              "adaptive_time_price_0.01": ("lower:time", [])}
    rows = {"baseline" if k == "adaptive_time_price_0.03" else k: v for k, v in rows.items()}
    design = {("baseline" if k == "adaptive_time_price_0.03" else k): v for k, v in design.items()}
    return front, judge(rows, design)


def run(args: argparse.Namespace) -> None:
    regime = REGIMES[args.regime]
    if regime["sets"] is None:
        raise SystemExit(f"regime {args.regime} only describes committed runs; run cpu, gpu or smoke")
    cmds = [
        train_command(regime["sets"] + extra + [f"seed={seed}"], Path(args.out) / f"{name}-s{seed}")
        for seed in args.seeds
        for name, (_, extra) in regime["design"].items()
    ]
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
    rows = collect_runs(Path(args.runs), regime["design"], regime["epochs"])
    judgement = judge(rows, regime["design"], args.min_seeds)
    summary = summarise(rows)
    front_a, judgement_a = part_a()
    results = {
        "finding": "trade-offs between breadth, depth and time",
        "verdict": judgement["verdict"],
        "reason": judgement["reason"],
        "rule": {"claims": {k: v.get("rule") for k, v in judgement["claims"].items()}, "combine": judgement["rule"],
                 "preconditions": f">= {args.min_seeds} seeds per condition; mean test accuracy >= {ACCURACY_FLOOR}; "
                 f"every adaptive run adapts ({HALTING_ADAPTS_TEXT})"},
        "judgement": judgement,
        "regime": args.regime,
        "design": {name: {"role": role, "overrides": extra} for name, (role, extra) in regime["design"].items()},
        "conditions": summary,
        "pareto_front": {cost: pareto(summary, cost) for cost in ("mean_steps", "total_channels", "layers", "params")},
        "part_a_full_scale": {"runs": front_a, "judgement": judgement_a,
                              "hardware": "NVIDIA H100 80GB HBM3 (benchmarks/results/gpu_runs); one seed per price"},
        "hardware": args.hardware or hardware(),
        "command": f"python benchmarks/findings/tradeoffs.py report --runs {args.runs} --regime {args.regime}",
    }
    out = Path(args.results)
    write_json(out / "results.json", results)
    plot(summary, out / "tradeoffs")
    print(f"verdict: {judgement['verdict']} ({judgement['reason']})")
    print(f"part A (full scale): {judgement_a['verdict']} ({judgement_a['reason']})")


def plot(summary: dict, stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    costs = ("mean_steps", "total_channels", "layers")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, cost in zip(axes, costs):
        front = pareto(summary, cost)
        for name, s in summary.items():
            if not s.get("n_seeds"):
                continue
            x, y = s[f"{cost}_mean"], s["test_accuracy_mean"]
            xe = np.abs(np.array(s[f"{cost}_ci95"]) - x)[:, None]
            ye = np.abs(np.array(s["test_accuracy_ci95"]) - y)[:, None]
            ax.errorbar(x, y, xerr=xe, yerr=ye, fmt="o" if name in front else "s", capsize=3,
                        color="#4477aa" if name in front else "#999999")
            ax.annotate(name, (x, y), fontsize=7)
        ax.set_xlabel(cost.replace("_", " "))
        ax.set_ylabel("test accuracy")
    fig.suptitle("Accuracy against each cost (mean, 95% t-interval over seeds; blue: Pareto front)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, stem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="train every condition and seed (resumable: finished runs are skipped)")
    r.add_argument("--out", required=True)
    r.add_argument("--regime", choices=[k for k, v in REGIMES.items() if v["sets"] is not None], default="cpu")
    r.add_argument("--gpu", dest="regime", action="store_const", const="gpu", help="full scale (same as --regime gpu)")
    r.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--archive", default="", help="copy finished runs' metrics to this folder (e.g. benchmarks/results/tradeoffs/runs)")
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
