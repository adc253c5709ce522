"""Does the time price work as a dial? Mean halting time E[t] against the time price, per objective.

A halting objective is useful to the project only if its price sets *how much* time the network
spends, smoothly, while images keep differing in the time they get: a dial, not a switch between
"every image uses the last step" and "every image stops at step 1". This script trains the same
network at log-spaced time prices, several seeds each, under the new objective (``optimal-stop``)
and the one used before 2026-12 (``coupled``), and judges each objective by the rule below,
written before the runs.

Designs (``--design``):

* ``dial``: the price response, 6 prices x the seeds x both objectives (the verdict);
* ``ablation``: 3 prices x 1 seed x 5 variants (objective x halting head) in a cheap setting
  without growth, the measurement that chose the mechanism (``docs/model.md``'s table).

Regimes (``--regime``): ``cpu`` (the verdict's: a fixed 16/32/64 x 3-layer network whose time
window grows from 3 to at most 4 steps, 4 epochs of CIFAR-10 in batches of 128, about 26 minutes
of one core a run), ``pilot-3ep`` and ``pilot-3ep-b128`` (its two 3-epoch pilots), ``finding1`` (finding 1's CPU regime, in
which the first runs were made: 3x the budget), ``probe`` (the ablation's), and ``smoke``
(seconds, synthetic data: checks the pipeline, not the science). The full-scale GPU path is
``--regime gpu`` (the shipped recipe's 25 epochs and window, ``device=auto``).

Pass rule (``RULE`` below), for each objective: at every price but the highest and the lowest,
every seed has test accuracy >= 0.70, SD of E[t] over the test images >= 0.3 and
1.05 <= mean E[t] <= T - 0.05; across all its runs, Spearman(price, mean E[t]) <= -0.8; no step
between adjacent prices moves the seed-mean E[t] by more than half the range between the
extreme prices' seed-means; and at each price the seeds' mean E[t] have an SD <= 0.25 steps.

    python benchmarks/findings/price_response.py run --out runs/price_response --jobs 2
    python benchmarks/findings/price_response.py report
    python benchmarks/findings/price_response.py park --out runs/price_response   # before a session ends
    python benchmarks/findings/price_response.py run --design ablation --regime probe --out runs/ablation --jobs 2
    python benchmarks/findings/price_response.py report --design ablation --regime probe

``run`` copies each run's ``metrics.jsonl`` to ``benchmarks/results/price_response/runs/REGIME/``
(or ``.../ablation/``) as soon as it finishes, with its exact command beside it (``NAME.cmd.json``),
so that runs spread over sessions are committed one by one; ``report`` re-derives everything
from those files. A run that a session could not finish is committed as its run folder under
``benchmarks/results/price_response/checkpoints/REGIME/NAME/``; ``run`` copies it back and resumes it,
and deletes it once the run is archived.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from common import RESULTS, ROOT, SHIPPED_CONFIG, hardware, metrics_rows, save_figure, write_json

from neurogrow.outputs import write_text

OUT = RESULTS / "price_response"
#: unfinished runs carried between sessions (checkpoint.pt, config.json, metrics.jsonl; < 2 MB each)
CHECKPOINTS = OUT / "checkpoints"
NEW_OBJECTIVE = "optimal-stop"
PRICES = [0.02, 0.04, 0.08, 0.16, 0.32, 0.64]
SEEDS = [0, 1, 2]
ABLATION_PRICES = [0.01, 0.03, 0.1]
ACCURACY_FLOOR = 0.70
MIN_SD = 0.3
EDGE = 0.05
MAX_SPEARMAN = -0.8
MAX_JUMP_FRACTION = 0.5
MAX_SEED_SD = 0.25

RULE = (
    f"For each objective: at every price but the highest and the lowest, every seed has test accuracy >= "
    f"{ACCURACY_FLOOR}, SD of E[t] over the test images >= {MIN_SD} and 1.05 <= mean E[t] <= T - {EDGE}; across all "
    f"its runs Spearman(price, mean E[t]) <= {MAX_SPEARMAN}; no step between adjacent prices moves the seed-mean "
    f"E[t] by more than {MAX_JUMP_FRACTION} of the range between the extreme prices' seed-means; at each price the "
    f"seeds' mean E[t] have an SD <= {MAX_SEED_SD} steps. 'dial' if all hold, else 'switch' (the failed checks listed)."
)

#: objective (and halting head) of each variant
VARIANTS = {
    "optimal-stop": ["costs.time_objective='optimal-stop'", "model.halting_head='auto'"],
    "coupled": ["costs.time_objective='coupled'", "model.halting_head='auto'"],
    "expected-cost-mlp": ["costs.time_objective='expected-cost'", "model.halting_head='mlp'"],
    "expected-cost-readout": ["costs.time_objective='expected-cost'", "model.halting_head='readout'"],
    "optimal-stop-readout": ["costs.time_objective='optimal-stop'", "model.halting_head='readout'"],
}
DESIGNS = {
    "dial": {"variants": ["optimal-stop", "coupled"], "prices": PRICES, "seeds": SEEDS},
    "ablation": {"variants": ["coupled", "expected-cost-readout", "expected-cost-mlp", "optimal-stop-readout", "optimal-stop"],
                 "prices": ABLATION_PRICES, "seeds": [0]},
}
_CPU_WINDOW = ["amp=false", "model.channels=[16,32,64]", "model.max_channels=64", "data.max_shift=2"]
#: the lean CPU regime: all 50,000 CIFAR-10 training images in batches of 128, a fixed 16/32/64 x
#: 3-layer network (breadth and depth do not grow: only time, the thing under test, does), T from
#: 3 steps up to at most 4, the test split evaluated once at the end. About 2 ms of one core per
#: image and step (finding 1's regime with growth: about 3.8 ms at its grown size). Chosen on two
#: 3-epoch pilots at price 0.08 (``runs/pilot-3ep`` and ``runs/pilot-3ep-b128``, README.md beside
#: them): 19 minutes of one core each, but test accuracy 0.694 / 0.700, on the 0.70 floor, so
#: the verdict's regime trains 4 epochs (about 26 minutes of one core).
_LEAN = [*_CPU_WINDOW, "model.max_layers=3", "growth.grow_threshold=1000000000.0", "model.steps=3", "model.max_steps=4",
         "growth.every_steps=98", "growth.until_fraction=0.75"]
_B128 = ["optim.batch_size=128", "optim.lr=0.1"]
#: the wide CPU pilots (2026-12-07, second regime): a wider fixed network, T fixed at 3 steps (no
#: growth of any kind), the forward pass compiled with inductor (1.3-1.4 x less CPU time per step
#: than eager on these cores, measured at 16/32/64 and 24/48/96). Why: in the ``cpu`` regime the
#: step-1 readout reaches 0.65 and, at price 0.32, the learned halting exits 85 % of the images
#: there (accuracy 0.678 < 0.70, SD of E[t] 0.23 < 0.3); the network underfits (training accuracy
#: 0.67 at the end), and a head trained alone on its finished trunk gives the same SD
#: (``runs/README.md``), so the trunk, not the objective, limits both.
_WIDE = ["amp=false", "data.max_shift=2", "model.max_layers=3", "growth.grow_threshold=1000000000.0", "model.steps=3",
         "model.max_steps=3", "compile='inductor'", *_B128]
REGIMES = {
    # the regime of the verdict
    "cpu": {"epochs": 4, "sets": [*_LEAN, *_B128, "optim.epochs=4", "eval_every=4"]},
    # its two pilots, 3 epochs: batches of 256 (the shipped recipe's) and of 128 (twice the updates, same compute)
    "pilot-3ep": {"epochs": 3, "sets": [*_LEAN, "optim.epochs=3", "eval_every=3"]},
    "pilot-3ep-b128": {"epochs": 3, "sets": [*_LEAN, "optim.epochs=3", "eval_every=3", *_B128]},
    # the wide pilots: optimal-stop at price 0.32, seed 100 (not a verdict seed)
    "pilot-wide24": {"epochs": 3, "sets": [*_WIDE, "model.channels=[24,48,96]", "model.max_channels=96", "optim.epochs=3",
                                           "eval_every=3"]},
    "pilot-wide32": {"epochs": 2, "sets": [*_WIDE, "model.channels=[32,64,128]", "model.max_channels=128",
                                           "optim.epochs=2", "eval_every=2"]},
    # finding 1's CPU regime (benchmarks/findings/tradeoffs.py, chosen on committed pilots): all
    # 50,000 CIFAR-10 training images, 4 epochs, a 16/32/64 x 3-step start window with at most 64
    # channels per layer and 4 layers, the window checked every half epoch until 75 % of
    # training; here T is capped at 6 steps (each step costs a forward pass of the whole
    # network) and the test split is evaluated once, at the end. Its first run cost 3x the budget.
    "finding1": {"epochs": 4, "sets": [*_CPU_WINDOW, "optim.epochs=4", "model.steps=3", "model.max_steps=6",
                                       "growth.every_steps=98", "growth.until_fraction=0.75", "eval_every=4"]},
    # the ablation's cheap setting: 10,000 training images, 2 epochs, T = 4, no growth, 2,000 test images
    "probe": {"epochs": 2, "sets": [*_CPU_WINDOW, "model.max_layers=3", "optim.epochs=2", "model.steps=4", "growth.enabled=false",
                                    "data.train_subset=10000", "data.test_subset=2000", "eval_every=2"]},
    # full scale on a GPU: the shipped recipe (25 epochs, 32/64/128 start window)
    "gpu": {"epochs": 25, "sets": []},
    # seconds: the pipeline on the synthetic task
    "smoke": {"epochs": 2, "sets": ["data.dataset='synthetic'", "data.synthetic_size=64", "model.channels=[4,6]",
                                    "model.max_channels=8", "model.max_layers=2", "model.steps=2", "model.max_steps=3",
                                    "optim.epochs=2", "optim.batch_size=32", "growth.every_steps=2", "eval_every=2",
                                    "amp=false"]},
}


def run_name(variant: str, price: float, seed: int) -> str:
    return f"{variant}-p{price:g}-s{seed}"


def command(regime: str, variant: str, price: float, seed: int, out: Path) -> list[str]:
    """The exact training command of one run (a resumable, quiet ``neurogrow train``)."""
    sets = REGIMES[regime]["sets"] + VARIANTS[variant] + [f"costs.time_price={price:g}", f"seed={seed}"]
    cmd = [sys.executable, "-m", "neurogrow", "train", "--config", str(SHIPPED_CONFIG.relative_to(ROOT)), "--quiet", "--resume"]
    return cmd + [a for s in sets for a in ("--set", s)] + ["--out", str(out)]


def archive_dir(design: str, regime: str) -> Path:
    """Where a design's finished runs in one regime are archived (one folder per regime)."""
    if design == "ablation":
        return OUT / "ablation"
    return OUT / "runs" / regime


def checkpoint_dir(regime: str, name: str) -> Path:
    return CHECKPOINTS / regime / name


def finished(rows: list[dict], epochs: int) -> bool:
    return bool(rows) and rows[-1]["epoch"] == epochs and "test_accuracy" in rows[-1]


def _run_one(cmd: list[str], name: str, epochs: int, archive: Path, env: dict, carried: Path) -> int:
    out = Path(cmd[cmd.index("--out") + 1])
    t0 = time.time()
    code = subprocess.run(cmd, env=env, cwd=ROOT).returncode
    rows = metrics_rows(out)
    if code == 0 and finished(rows, epochs):
        archive.mkdir(parents=True, exist_ok=True)
        shown = ["python" if i == 0 else a for i, a in enumerate(cmd)]
        meta = {"command": shlex.join(shown), "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS"), "hardware": hardware(),
                "wall_seconds_total": time.time() - t0}
        write_text(archive / f"{name}.jsonl", (out / "metrics.jsonl").read_text())
        write_text(archive / f"{name}.cmd.json", json.dumps(meta, indent=1) + "\n")
        if carried.is_dir():  # the run is archived: its carried checkpoint goes
            shutil.rmtree(carried)
        print(f"finished {name}: accuracy {rows[-1]['test_accuracy']:.4f}, mean E[t] {rows[-1]['test_mean_steps']:.3f}, "
              f"SD {rows[-1]['test_steps_sd']:.3f}, T {rows[-1]['window_steps']}", flush=True)
    else:
        print(f"error: run {name} failed (exit {code})", file=sys.stderr, flush=True)
    return code


def run(args: argparse.Namespace) -> None:
    design, regime = DESIGNS[args.design], REGIMES[args.regime]
    variants = args.variants or design["variants"]
    prices = args.prices or design["prices"]
    archive = Path(args.archive) if args.archive else archive_dir(args.design, args.regime)
    jobs = []
    for seed in args.seeds:
        for price in prices:
            for variant in variants:
                name = run_name(variant, price, seed)
                if finished(metrics_rows(archive / f"{name}.jsonl"), regime["epochs"]):
                    continue
                run_dir = Path(args.out).resolve() / name
                carried = checkpoint_dir(args.regime, name)
                if carried.is_dir() and not (run_dir / "checkpoint.pt").exists():
                    # an unfinished run committed by an earlier session: continue it (--resume)
                    shutil.copytree(carried, run_dir, dirs_exist_ok=True)
                    print(f"resuming {name} from {carried.relative_to(ROOT)}", flush=True)
                jobs.append((command(args.regime, variant, price, seed, run_dir), name, carried))
    print(f"{len(jobs)} runs to do ({args.jobs} at a time)", flush=True)
    env = {**os.environ}
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // args.jobs)))
    with ThreadPoolExecutor(args.jobs) as pool:
        codes = list(pool.map(lambda j: _run_one(j[0], j[1], regime["epochs"], archive, env, j[2]), jobs))
    if any(codes):
        raise SystemExit(1)


def park(args: argparse.Namespace) -> None:
    """Commit-ready copies of the unfinished runs under ``--out`` (for the next session's ``run``)."""
    from neurogrow.errors import CheckpointError
    from neurogrow.train.checkpoint import verify_checksum

    regime = REGIMES[args.regime]
    archive = Path(args.archive) if args.archive else archive_dir(args.design, args.regime)
    parked = 0
    for run_dir in sorted(p for p in Path(args.out).iterdir() if (p / "checkpoint.pt").is_file()):
        if finished(metrics_rows(archive / f"{run_dir.name}.jsonl"), regime["epochs"]):
            continue
        dest = checkpoint_dir(args.regime, run_dir.name)
        tmp = dest.with_name(dest.name + ".tmp")
        for _ in range(10):  # the run may write a new checkpoint while it is copied: copy until it verifies
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for name in ("checkpoint.pt", "checksums.json", "config.json", "data.json", "metrics.jsonl"):
                if (run_dir / name).is_file():
                    shutil.copy2(run_dir / name, tmp / name)
            try:
                if verify_checksum(tmp / "checkpoint.pt"):
                    break
            except CheckpointError:
                pass
            time.sleep(2)
        else:
            raise SystemExit(f"error: {run_dir / 'checkpoint.pt'} does not match its checksums.json after 10 copies")
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
        rows = metrics_rows(dest)
        print(f"parked {run_dir.name} after epoch {rows[-1]['epoch'] if rows else 0} in {dest.relative_to(ROOT)}")
        parked += 1
    print(f"{parked} unfinished runs parked; commit {CHECKPOINTS.relative_to(ROOT)}")


#: the metrics a rerun must reproduce exactly (last row; per epoch for the training loss)
REPRODUCED = ("test_accuracy", "test_mean_steps", "test_steps_sd", "test_exit_histogram", "window_steps", "window_channels")


def reproduce(args: argparse.Namespace) -> None:
    """Rerun one archived run with its recorded command into ``--out`` and compare its metrics."""
    archive = Path(args.archive) if args.archive else archive_dir(args.design, args.regime)
    meta_path = archive / f"{args.name}.cmd.json"
    if not meta_path.is_file():
        raise SystemExit(f"error: {meta_path} not found: name an archived run of regime {args.regime}")
    meta = json.loads(meta_path.read_text())
    cmd = shlex.split(meta["command"])
    cmd[0] = sys.executable
    out = Path(args.out).resolve() / args.name
    if out.exists():
        raise SystemExit(f"error: {out} exists: give an empty --out")
    cmd[cmd.index("--out") + 1] = str(out)
    env = {**os.environ, "OMP_NUM_THREADS": str(meta.get("OMP_NUM_THREADS") or 1)}
    t0 = time.time()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True)
    old, new = metrics_rows(archive / f"{args.name}.jsonl"), metrics_rows(out)
    compared = {k: {"archived": old[-1].get(k), "rerun": new[-1].get(k)} for k in REPRODUCED}
    compared["train_loss_per_epoch"] = {"archived": [r["train_loss"] for r in old], "rerun": [r["train_loss"] for r in new]}
    same = all(v["archived"] == v["rerun"] for v in compared.values())
    record = {"run": args.name, "regime": args.regime, "identical": same, "compared": compared,
              "command": meta["command"], "rerun_hardware": hardware(), "rerun_wall_seconds": time.time() - t0}
    write_json(Path(args.record) if args.record else OUT / "reproduced" / args.regime / f"{args.name}.json", record)
    print(f"{args.name}: {'identical' if same else 'DIFFERENT'} " + ", ".join(
        f"{k} {v['archived']} -> {v['rerun']}" for k, v in compared.items() if k != "train_loss_per_epoch"))
    if not same:
        raise SystemExit(1)


# ------------------------------------------------------------------------------------ report
def collect(archive: Path, epochs: int) -> list[dict]:
    """One record per finished run archived under ``archive``."""
    records = []
    for path in sorted(archive.glob("*.jsonl")):
        rows = metrics_rows(path)
        if not finished(rows, epochs):
            continue
        stem = path.name.removesuffix(".jsonl")
        rest, seed = stem.rsplit("-s", 1)
        variant, price = rest.rsplit("-p", 1)
        last = rows[-1]
        meta_path = path.with_name(f"{stem}.cmd.json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        records.append({
            "objective": variant, "time_price": float(price), "seed": int(seed),
            "test_accuracy": last["test_accuracy"], "mean_steps": last["test_mean_steps"],
            "steps_sd": last["test_steps_sd"], "mean_exit_step": last.get("test_mean_exit_step"),
            "exit_histogram": last.get("test_exit_histogram"), "T": last["window_steps"],
            "channels": last["window_channels"], "layers": last["window_layers"],
            "wall_seconds": sum(r["seconds"] for r in rows),
            "cpu_seconds": sum(r["cpu_seconds"] for r in rows) if all("cpu_seconds" in r for r in rows) else None,
            "load_average": [r.get("load_average") for r in rows],
            "command": meta.get("command"), "omp_threads": meta.get("OMP_NUM_THREADS"), "hardware": meta.get("hardware"),
        })
    return records


def run_failures(runs: list[dict], design_prices: list[float]) -> list[str]:
    """The per-run checks of :data:`RULE` that fail, for the runs at the design's interior prices."""
    failed = []
    for r in runs:
        if r["time_price"] in (design_prices[0], design_prices[-1]):
            continue
        tag = f"price {r['time_price']:g} seed {r['seed']}"
        if r["test_accuracy"] < ACCURACY_FLOOR:
            failed.append(f"{tag}: accuracy {r['test_accuracy']:.4f} < {ACCURACY_FLOOR}")
        if r["steps_sd"] < MIN_SD:
            failed.append(f"{tag}: SD of E[t] {r['steps_sd']:.3f} < {MIN_SD}")
        if not 1.05 <= r["mean_steps"] <= r["T"] - EDGE:
            failed.append(f"{tag}: mean E[t] {r['mean_steps']:.3f} outside [1.05, T - {EDGE}] (T = {r['T']})")
    return failed


def judge(runs: list[dict], design_prices: list[float] | None = None, design_seeds: list[int] | None = None) -> dict:
    """Apply :data:`RULE` to one objective's runs.

    The extreme prices are the design's (``design_prices``, default :data:`PRICES`), not the
    extremes of the runs that have finished. Until every (price, seed) of the design
    (``design_seeds``, default :data:`SEEDS`) has finished the verdict is "incomplete", with the
    checks that already fail listed, unless a finished run at an interior price fails one of the
    per-run checks: those must hold for *every* seed at every interior price, so no run still to
    come can undo that failure, and the verdict is "switch" with ``decided_early`` set (the
    checks across runs, which more runs can change, are then reported but do not decide it).
    """
    from scipy import stats

    design_prices = sorted(design_prices or PRICES)
    design_seeds = sorted(design_seeds or SEEDS)
    prices = sorted({r["time_price"] for r in runs})
    failed: list[str] = []
    per_run = run_failures(runs, design_prices)
    if len(prices) < 3:
        return {"verdict": "switch" if per_run else "incomplete", "decided_early": bool(per_run),
                "failed": per_run + [f"only {len(prices)} prices finished"], "prices": prices}
    failed += per_run
    rho = float(stats.spearmanr([r["time_price"] for r in runs], [r["mean_steps"] for r in runs]).statistic)
    if not rho <= MAX_SPEARMAN:
        failed.append(f"Spearman(price, mean E[t]) {rho:.3f} > {MAX_SPEARMAN}")
    means = [float(np.mean([r["mean_steps"] for r in runs if r["time_price"] == p])) for p in prices]
    seed_sd = [float(np.std([r["mean_steps"] for r in runs if r["time_price"] == p], ddof=1))
               if sum(r["time_price"] == p for r in runs) > 1 else 0.0 for p in prices]
    span = abs(means[0] - means[-1])
    jumps = [abs(b - a) for a, b in itertools.pairwise(means)]
    if max(jumps) > MAX_JUMP_FRACTION * span:
        failed.append(f"largest step between adjacent prices {max(jumps):.3f} > {MAX_JUMP_FRACTION} x range {span:.3f}")
    for p, sd in zip(prices, seed_sd):
        if sd > MAX_SEED_SD:
            failed.append(f"price {p:g}: SD of the seeds' mean E[t] {sd:.3f} > {MAX_SEED_SD}")
    seeds = sorted({r["seed"] for r in runs})
    done = {(r["time_price"], r["seed"]) for r in runs}
    missing = [(p, s) for p in design_prices for s in design_seeds if (p, s) not in done]
    complete = not missing
    return {
        "verdict": ("dial" if not failed else "switch") if complete else ("switch" if per_run else "incomplete"),
        "decided_early": bool(per_run) and not complete,
        "failed": failed if complete else failed + [f"{len(missing)} of {len(design_prices) * len(design_seeds)} "
                                                    "(price, seed) runs of the design not finished"],
        "prices": prices, "seeds": seeds, "seed_mean_steps": means, "seed_sd_of_mean_steps": seed_sd,
        "spearman_price_steps": rho, "largest_adjacent_jump": max(jumps), "range": span,
    }


def figure(records: list[dict], variants: list[str], stem: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
    markers = ["o", "s", "^", "D", "v"]
    for i, v in enumerate(variants):
        rs = [r for r in records if r["objective"] == v]
        if not rs:
            continue
        prices = sorted({r["time_price"] for r in rs})
        m = np.array([np.mean([r["mean_steps"] for r in rs if r["time_price"] == p]) for p in prices])
        sd = np.array([np.mean([r["steps_sd"] for r in rs if r["time_price"] == p]) for p in prices])
        ax.fill_between(prices, m - sd, m + sd, color=colours[i], alpha=0.15, linewidth=0)
        ax.plot(prices, m, color=colours[i], label=f"{v}: seed mean (band: SD of E[t] over images)")
        ax.scatter([r["time_price"] for r in rs], [r["mean_steps"] for r in rs], color=colours[i],
                   marker=markers[i], s=22, zorder=3)
    ax.set_xscale("log")
    shown = sorted({r["time_price"] for r in records})
    ax.set_xticks(shown, [f"{p:g}" for p in shown])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("time price lambda_T (log scale)")
    ax.set_ylabel("mean E[t] over test images (steps)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper right", frameon=False)
    fig.tight_layout()
    save_figure(fig, stem)
    plt.close(fig)


def report(args: argparse.Namespace) -> None:
    design, regime = DESIGNS[args.design], REGIMES[args.regime]
    archive = Path(args.archive) if args.archive else archive_dir(args.design, args.regime)
    records = collect(archive, regime["epochs"])
    if not records:
        raise SystemExit(f"error: no finished runs under {archive}")
    variants = [v for v in design["variants"] if any(r["objective"] == v for r in records)]
    verdicts = {v: judge([r for r in records if r["objective"] == v], design["prices"], design["seeds"]) for v in variants}
    regime_text = " ".join(f"--set {s}" for s in regime["sets"])
    summary = {
        "objective": NEW_OBJECTIVE,
        "design": args.design,
        "regime": args.regime,
        "regime_sets": regime["sets"],
        "base_config": str(SHIPPED_CONFIG.relative_to(ROOT)),
        "rule": RULE,
        "verdicts": verdicts,
        "verdict": verdicts.get(NEW_OBJECTIVE, {}).get("verdict", "incomplete"),
        "hardware": args.hardware or (records[0].get("hardware") if records else None) or hardware(),
        "runs": records,
    }
    suffix = "" if args.regime == "cpu" else f"-{args.regime}"
    stem = OUT / (f"results{suffix}" if args.design == "dial" else "ablation")
    write_json(stem.with_suffix(".json"), summary)
    figure(records, variants, OUT / (f"price_response{suffix}" if args.design == "dial" else "ablation"),
           f"Mean halting time against time price ({args.regime} regime)")
    for v, j in verdicts.items():
        print(f"{v}: {j['verdict']}" + (f" ({'; '.join(j['failed'][:4])})" if j["failed"] else ""))
    print(f"wrote {stem.with_suffix('.json')} ({len(records)} runs; regime: {regime_text or 'shipped config'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="train every (variant, price, seed) not yet archived")
    r.add_argument("--out", required=True, help="folder of the run folders (not committed)")
    r.add_argument("--design", choices=list(DESIGNS), default="dial")
    r.add_argument("--regime", choices=list(REGIMES), default="cpu")
    r.add_argument("--seeds", type=int, nargs="+", default=SEEDS)
    r.add_argument("--prices", type=float, nargs="+", default=None)
    r.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=None)
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--archive", default="", help="where finished runs' metrics go (default: benchmarks/results/price_response/...)")
    r.set_defaults(func=run)
    k = sub.add_parser("park", help="copy the unfinished runs' checkpoints into the tree, for the next session's run")
    k.add_argument("--out", required=True, help="the folder given to run --out")
    k.add_argument("--design", choices=list(DESIGNS), default="dial")
    k.add_argument("--regime", choices=list(REGIMES), default="cpu")
    k.add_argument("--archive", default="")
    k.set_defaults(func=park)
    q = sub.add_parser("reproduce", help="rerun one archived run with its recorded command; compare its metrics")
    q.add_argument("--name", required=True, help="an archived run, e.g. coupled-p0.64-s0")
    q.add_argument("--out", required=True, help="folder for the rerun (not committed)")
    q.add_argument("--design", choices=list(DESIGNS), default="dial")
    q.add_argument("--regime", choices=list(REGIMES), default="cpu")
    q.add_argument("--archive", default="")
    q.add_argument("--record", default="", help="where the comparison goes (default: benchmarks/results/price_response/reproduced/REGIME/NAME.json)")
    q.set_defaults(func=reproduce)
    p = sub.add_parser("report", help="judge the archived runs; write results.json (or ablation.json) and the figure")
    p.add_argument("--design", choices=list(DESIGNS), default="dial")
    p.add_argument("--regime", choices=list(REGIMES), default="cpu")
    p.add_argument("--archive", default="")
    p.add_argument("--hardware", default="", help="where the runs ran, if not here")
    p.set_defaults(func=report)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
