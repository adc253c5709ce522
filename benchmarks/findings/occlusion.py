"""Finding 3: with adaptive time the network spends more steps on occluded inputs, after controls.

``run`` evaluates the shipped models (no training) on CIFAR-10 test images and stores per-image
measurements (E[t], exit step, step-1 max probability, confidence step, correctness) per
condition in ``--out`` (one .npz per model x degradation x level; finished ones are skipped, so
an interrupted run resumes):

* the adaptive model on clean images and at each occluder level (``--occluder``: a named
  degradation of :mod:`neurogrow.data.degrade`, ``module:function`` or ``file.py:function``,
  so a held-out occluder runs through this code; such an occluder's files are stored under
  ``occluder-<hash>``, the hash of its source file and function name (:func:`occluder_id`), so
  two occluders never share cached measurements, and it needs its own ``--out``: the default is
  the committed runs of the shipped occluder);
* the fixed-time model on the same images (its *confidence step*: first step with max class
  probability >= 0.5; its E[t] is the same for every image by construction);
* the adaptive model under noise, blur and contrast reduction at levels calibrated on the
  first ``--calibration-images`` images to match the occluder's accuracy at each level
  (``calibration.json``; an entry is reused only for the same target accuracies, number of
  images, grid and seed, otherwise recalibrated).

``report`` re-derives every number and the verdicts from the stored measurements with the
rules below (written before the numbers) and writes results.json and the figure.

Rule (claim "more steps on occluded inputs, beyond confidence"), Holm across the finding:
  preconditions: clean accuracy >= 0.70; halting varies across images (SD of E[t] >= 0.1,
  mean E[t] in [1.05, T - 0.05]); at least two occluder levels;
  comparisons: per level, the paired increase of E[t] over the same image unoccluded; per
  level, the increase left after matching step-1 confidence and correctness (a map from
  (step-1 max probability, correct) -- 20 quantile bins, linear between bin means -- to E[t] fitted on clean images, refitted in every
  bootstrap resample); the trend of E[t] across levels (per-image OLS slope, averaged).
Sub-claim "beyond a fixed-time network's confidence step": per level, the adaptive model's
  increase minus the fixed-time model's confidence-step increase, both as fractions of their
  windows' extra steps (T - 1), paired by image.
Sub-claim "specific to occlusion": per level and degradation, the occluder's confidence-matched
  increase minus the degradation's, at matched accuracy (accuracies within 0.03; precondition:
  at least two degradations matched at every level).

    python benchmarks/findings/occlusion.py run --out benchmarks/results/occlusion/runs [--n-images 10000]
    python benchmarks/findings/occlusion.py report --runs benchmarks/results/occlusion/runs
    python benchmarks/findings/occlusion.py run --occluder my.py:f --out heldout/runs   # held-out occluder
    python benchmarks/findings/occlusion.py report --runs heldout/runs --results heldout
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from common import RESULTS, confidence_step, hardware, save_figure, write_json

from neurogrow.stats.verdict import Comparison, Precondition, Rule, bootstrap_comparison

OUT = RESULTS / "occlusion"
DEFAULT_OCCLUDER = "occlusion"
LEVELS = (0.2, 0.4, 0.6)
DEGRADATION_GRIDS = {
    "noise": (0.04, 0.07, 0.1, 0.13, 0.17, 0.22, 0.28, 0.36, 0.45, 0.6),
    "blur": (0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0, 4.5, 6.5, 9.0),
    "contrast": (0.5, 0.65, 0.75, 0.82, 0.87, 0.91, 0.94, 0.96, 0.98, 0.99),
}
ADAPTIVE, FIXED = "blt-cifar10-adaptive", "blt-cifar10-fixed-time"
ACCURACY_FLOOR = 0.70
MATCH_TOLERANCE = 0.03
CONF_BINS = 20


# --------------------------------------------------------------------------- run


def measure(model, images: np.ndarray, labels: np.ndarray, batch: int = 250) -> dict[str, np.ndarray]:
    """Per-image E[t], exit step, step-1 max probability, confidence step and correctness."""
    import torch

    from neurogrow.inference.early_exit import run_full_length
    from neurogrow.model.inputs import to_input

    parts: dict[str, list] = {k: [] for k in ("expected_steps", "exit_step", "conf1", "confidence_step", "correct")}
    with torch.no_grad():
        for s in range(0, len(images), batch):
            x = to_input(torch.from_numpy(images[s : s + batch]), model.config)
            r = run_full_length(model, x)
            probs = r.step_probs.cpu().numpy()
            parts["expected_steps"].append(r.expected_steps.double().cpu().numpy())
            parts["exit_step"].append(r.exit_step.cpu().numpy())
            parts["conf1"].append(probs[:, 0].max(axis=1))
            parts["confidence_step"].append(confidence_step(probs))
            parts["correct"].append(r.prediction.cpu().numpy() == labels[s : s + batch])
    out = {k: np.concatenate(v) for k, v in parts.items()}
    out["T"] = np.array(model.steps)
    return out


def _key(model: str, degradation: str, level: float) -> str:
    return f"{model}__{degradation}__{level:g}"


def occluder_id(spec: str) -> str:
    """sha256 of an occluder spec's code: a named degradation of :mod:`neurogrow.data.degrade` is
    its name (its code is the package's); ``file.py:function`` the file's bytes and the function
    name; ``module:function`` the module's source file (or, without one, the module name) and the
    function name."""
    from neurogrow.data.degrade import DEGRADATIONS

    if spec in DEGRADATIONS or ":" not in spec:
        return hashlib.sha256(f"builtin:{spec}".encode()).hexdigest()
    where, func = spec.rsplit(":", 1)
    if where.endswith(".py"):
        source = Path(where).read_bytes()
    else:
        found = importlib.util.find_spec(where)
        origin = found.origin if found is not None else None
        source = Path(origin).read_bytes() if origin and Path(origin).is_file() else f"module:{where}".encode()
    return hashlib.sha256(hashlib.sha256(source).digest() + b"\0" + func.encode()).hexdigest()


def occluder_name(spec: str, name: str | None = None) -> str:
    """The name an occluder's files are stored under: a named degradation keeps its name (or
    ``name``); any other spec gets ``<name or 'occluder'>-<first 12 hex digits of occluder_id>``,
    so different code never shares a cache entry."""
    from neurogrow.data.degrade import DEGRADATIONS

    if spec in DEGRADATIONS:
        return name or spec
    return f"{name or 'occluder'}-{occluder_id(spec)[:12]}"


def calibration_is_current(entry: dict | None, targets: dict, n_cal: int, grid, seed: int) -> bool:
    """Whether a ``calibration.json`` entry was calibrated for these target accuracies (the
    occluder's, per level), images, grid and seed (an entry without ``seed`` predates it: seed 0)."""
    return (
        entry is not None
        and entry.get("target_accuracy") == targets
        and entry.get("n_images") == n_cal
        and [float(g) for g in entry.get("grid", [])] == [float(g) for g in grid]
        and entry.get("seed", 0) == seed
    )


def run(args: argparse.Namespace) -> None:
    import torch

    import neurogrow
    from neurogrow.data import load_dataset
    from neurogrow.data.degrade import apply_degradation, resolve_degradation

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("cifar10", split="test", root=args.data_root) if args.data_root else load_dataset("cifar10", split="test")
    n = min(args.n_images, len(data.images))
    images, labels, ids = data.images[:n], data.labels[:n], [str(i) for i in data.ids[:n]]
    occluder = resolve_degradation(args.occluder)
    models = {name: neurogrow.load_model(name) for name in (ADAPTIVE, FIXED)}

    def condition(model: str, name: str, fn, level: float, count: int) -> dict:
        path = out / f"{_key(model, name, level)}.npz"
        if path.exists():
            with np.load(path) as z:
                if len(z["correct"]) >= count:
                    return {k: z[k][:count] if z[k].ndim else z[k] for k in z.files}
        t0 = time.time()
        degraded = apply_degradation(fn, images[:count], ids[:count], level, args.seed) if level else images[:count]
        res = measure(models[model], degraded, labels[:count])
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, **res)
        os.replace(tmp, path)
        print(f"{path.name}: accuracy {res['correct'].mean():.4f}, E[t] {res['expected_steps'].mean():.3f} ({time.time() - t0:.0f} s)", flush=True)
        return res

    conditions = [(m, "clean", None, 0.0) for m in (ADAPTIVE, FIXED)]
    conditions += [(m, args.occluder_name, occluder, lv) for lv in args.levels for m in (ADAPTIVE, FIXED)]
    for m, name, fn, lv in conditions:
        condition(m, name, fn, lv, n)
    # calibration: degradation levels whose accuracy matches the occluder's, on the first images
    n_cal = min(args.calibration_images, n)
    cal_path = out / "calibration.json"
    cal = json.loads(cal_path.read_text()) if cal_path.exists() else {}
    targets = {f"{lv:g}": float(condition(ADAPTIVE, args.occluder_name, occluder, lv, n)["correct"][:n_cal].mean()) for lv in args.levels}
    for name in args.degradations:
        if calibration_is_current(cal.get(name), targets, n_cal, DEGRADATION_GRIDS[name], args.seed):
            continue
        fn = resolve_degradation(name)
        grid = DEGRADATION_GRIDS[name]
        accs = [float(measure(models[ADAPTIVE], apply_degradation(fn, images[:n_cal], ids[:n_cal], g, args.seed), labels[:n_cal])["correct"].mean()) for g in grid]
        mono = np.minimum.accumulate(accs)
        chosen = {}
        for lv, acc in targets.items():
            if not mono[-1] <= acc <= mono[0]:
                chosen[lv] = None
                continue
            chosen[lv] = float(np.interp(acc, mono[::-1], np.asarray(grid)[::-1]))
        cal[name] = {"grid": list(grid), "accuracy": accs, "target_accuracy": targets, "level": chosen, "n_images": n_cal,
                     "occluder": args.occluder_name, "seed": args.seed}
        write_json(cal_path, cal)
        print(f"calibrated {name}: {chosen}", flush=True)
    for name in args.degradations:
        fn = resolve_degradation(name)
        for level in cal[name]["level"].values():
            if level is not None:
                condition(ADAPTIVE, name, fn, round(level, 4), n)
    meta = {"n_images": n, "occluder": args.occluder, "occluder_name": args.occluder_name,
            "occluder_sha256": occluder_id(args.occluder), "levels": list(args.levels),
            "degradations": list(args.degradations), "seed": args.seed, "hardware": hardware(),
            "command": "python benchmarks/findings/occlusion.py run " + " ".join(args.argv)}
    write_json(out / "meta.json", meta)


# --------------------------------------------------------------------------- report


def load_runs(runs: Path) -> tuple[dict, dict, dict]:
    meta = json.loads((runs / "meta.json").read_text())
    cal = json.loads((runs / "calibration.json").read_text()) if (runs / "calibration.json").exists() else {}
    tables = {}
    for path in runs.glob("*.npz"):
        with np.load(path) as z:
            tables[path.stem] = {k: z[k] for k in z.files}
    n = meta["n_images"]
    tables = {k: {c: (v[:n] if v.ndim else v) for c, v in t.items()} for k, t in tables.items()}
    return meta, cal, tables


def conf_map(conf1: np.ndarray, correct: np.ndarray, e: np.ndarray, w: np.ndarray, edges: np.ndarray) -> list:
    """E[t] as a function of step-1 confidence, per correctness, fitted on clean images (weights ``w``).

    Per (confidence quantile bin, correct) cell: the weighted mean confidence and mean E[t]; a
    prediction interpolates linearly between the cells' points (so that a shift of confidence
    *within* a bin is matched too), flat beyond the outermost points.
    """
    bins = np.digitize(conf1, edges)
    size = len(edges) + 1
    curves = []
    for c in (False, True):
        m = w * (correct == c)
        sw = np.bincount(bins, weights=m, minlength=size)
        keep = sw > 0
        if not keep.any():  # no clean image of this correctness: use all
            m, sw = w, np.bincount(bins, weights=w, minlength=size)
            keep = sw > 0
        xs = np.bincount(bins, weights=m * conf1, minlength=size)[keep] / sw[keep]
        ys = np.bincount(bins, weights=m * e, minlength=size)[keep] / sw[keep]
        curves.append((xs, ys))
    return curves


def predict(curves: list, conf1: np.ndarray, correct: np.ndarray, edges=None) -> np.ndarray:
    """The map at each image's (step-1 confidence, correct); linear beyond the outermost points."""
    out = np.empty(len(conf1))
    for c, (xs, ys) in zip((False, True), curves):
        sel = correct == c
        x = conf1[sel]
        y = np.interp(x, xs, ys)
        if len(xs) >= 2:
            lo, hi = x < xs[0], x > xs[-1]
            y[lo] = ys[0] + (x[lo] - xs[0]) * (ys[1] - ys[0]) / max(xs[1] - xs[0], 1e-12)
            y[hi] = ys[-1] + (x[hi] - xs[-1]) * (ys[-1] - ys[-2]) / max(xs[-1] - xs[-2], 1e-12)
        out[sel] = y
    return out


def statistics(tables: dict, meta: dict, cal: dict, n_boot: int, seed: int = 0) -> dict:
    """Every estimate and its bootstrap distribution (images resampled; the map refitted each time)."""
    occ = meta["occluder_name"]
    a0 = tables[_key(ADAPTIVE, "clean", 0.0)]
    f0 = tables[_key(FIXED, "clean", 0.0)]
    n = len(a0["correct"])
    T_a, T_f = int(a0["T"]), int(f0["T"])
    edges = np.quantile(a0["conf1"], np.linspace(0, 1, CONF_BINS + 1)[1:-1])
    levels = [f"{lv:g}" for lv in meta["levels"]]
    occluded = {lv: tables[_key(ADAPTIVE, occ, float(lv))] for lv in levels}
    fixed = {lv: tables[_key(FIXED, occ, float(lv))] for lv in levels}
    degraded = {}
    for name in meta["degradations"]:
        for lv, level in cal.get(name, {}).get("level", {}).items():
            if level is not None and (k := _key(ADAPTIVE, name, round(level, 4))) in tables:
                degraded[(name, lv)] = (level, tables[k])
    x = np.array([0.0] + [float(lv) for lv in levels])
    xc = x - x.mean()
    E = np.stack([a0["expected_steps"]] + [occluded[lv]["expected_steps"] for lv in levels])
    slopes = (xc[:, None] * E).sum(0) / (xc**2).sum()

    def stats_for(w: np.ndarray) -> dict[str, float]:
        w = w / w.sum()
        table = conf_map(a0["conf1"], a0["correct"], a0["expected_steps"], w, edges)
        p0 = predict(table, a0["conf1"], a0["correct"], edges)
        s = {"trend_slope": float(w @ slopes)}

        def residual(t):
            return (t["expected_steps"] - a0["expected_steps"]) - (predict(table, t["conf1"], t["correct"], edges) - p0)

        res = np.stack([np.zeros(n)] + [residual(occluded[lv]) for lv in levels])
        # descriptive, not part of the rule: does what is left after the confidence match grow with the level?
        s["residual_trend_slope"] = float(w @ ((xc[:, None] * res).sum(0) / (xc**2).sum()))
        for lv in levels:
            t = occluded[lv]
            s[f"raw/{lv}"] = float(w @ (t["expected_steps"] - a0["expected_steps"]))
            s[f"residual/{lv}"] = float(w @ residual(t))
            fa = (t["expected_steps"] - a0["expected_steps"]) / (T_a - 1)
            ff = (fixed[lv]["confidence_step"] - f0["confidence_step"]) / (T_f - 1)
            s[f"fixed_conf_step_raw/{lv}"] = float(w @ (fixed[lv]["confidence_step"] - f0["confidence_step"]))
            s[f"adaptive_minus_fixed/{lv}"] = float(w @ (fa - ff))
            s[f"accuracy/{lv}"] = float(w @ t["correct"])
        for (name, lv), (_, t) in degraded.items():
            s[f"{name}_raw/{lv}"] = float(w @ (t["expected_steps"] - a0["expected_steps"]))
            s[f"{name}_residual/{lv}"] = float(w @ residual(t))
            s[f"occ_minus_{name}/{lv}"] = s[f"residual/{lv}"] - s[f"{name}_residual/{lv}"]
            s[f"{name}_accuracy_gap/{lv}"] = float(w @ (occluded[lv]["correct"].astype(float) - t["correct"]))
        return s

    est = stats_for(np.ones(n))
    rng = np.random.default_rng(seed)
    boots = {k: np.empty(n_boot) for k in est}
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        for k, v in stats_for(w).items():
            boots[k][b] = v
    return {"estimates": est, "boot": boots, "n": n, "T": {"adaptive": T_a, "fixed": T_f}, "levels": levels,
            "degraded": {f"{k[0]}/{k[1]}": v[0] for k, v in degraded.items()}, "a0": a0, "f0": f0}


MAIN_RULE = Rule(
    "occlusion-beyond-confidence",
    "Reproduced iff, with clean accuracy >= 0.70 and halting that varies across images (SD of E[t] >= 0.1, "
    "mean E[t] in [1.05, T-0.05]): at every occluder level the paired increase of E[t] and the increase left "
    "after matching step-1 confidence (20 quantile bins, linear between bin means) and correctness both have 95% bootstrap CIs above 0 (Holm across "
    "the finding), and the per-image trend of E[t] across levels is positive.",
)
FIXED_RULE = Rule(
    "occlusion-beyond-fixed-time-confidence-step",
    "Reproduced iff at every occluder level the adaptive model's E[t] increase exceeds the fixed-time model's "
    "confidence-step increase (both as fractions of T-1, paired by image; 95% bootstrap CI above 0, Holm).",
)
SPECIFIC_RULE = Rule(
    "occlusion-specific-vs-other-degradations",
    "Reproduced iff at every level, for each of noise, blur and contrast whose accuracy matches the occluder's (within "
    "0.03; at least two matched per level), the occluder's confidence-matched increase exceeds the degradation's "
    "(paired by image; 95% CI above 0, Holm).",
)


def judge(st: dict) -> dict:
    est, boot, levels = st["estimates"], st["boot"], st["levels"]
    a0 = st["a0"]
    T = st["T"]["adaptive"]

    def comp(key: str, name: str) -> Comparison:
        return bootstrap_comparison(name, est[key], boot[key])

    main = [comp(f"raw/{lv}", f"E[t] increase at {lv}") for lv in levels]
    main += [comp(f"residual/{lv}", f"E[t] increase at {lv} beyond step-1 confidence and correctness") for lv in levels]
    main.append(comp("trend_slope", "trend of E[t] across occluder levels (per-image slope)"))
    fixed = [comp(f"adaptive_minus_fixed/{lv}", f"adaptive E[t] increase minus fixed-time confidence-step increase at {lv} (fractions of T-1)") for lv in levels]
    specific, match_pre, matching = [], [], {}
    for lv in levels:
        matched = []
        for name in ("noise", "blur", "contrast"):
            key = f"occ_minus_{name}/{lv}"
            if key not in est:
                matching[f"{name}/{lv}"] = "no level of the calibration grid reaches the occluder's accuracy"
                continue
            gap = est[f"{name}_accuracy_gap/{lv}"]
            matching[f"{name}/{lv}"] = f"occluder minus {name} accuracy {gap:+.3f} (tolerance {MATCH_TOLERANCE})"
            if abs(gap) <= MATCH_TOLERANCE:
                matched.append(name)
                specific.append(comp(key, f"occluder minus {name} confidence-matched increase at {lv}"))
        match_pre.append(Precondition(f"degradations matched at {lv}", len(matched) >= 2,
                                      f"{len(matched)} of noise/blur/contrast within {MATCH_TOLERANCE} of the occluder's accuracy ({', '.join(matched) or 'none'})"))
    acc0 = float(a0["correct"].mean())
    sd, mean = float(a0["expected_steps"].std()), float(a0["expected_steps"].mean())
    pre = [
        Precondition("accuracy floor", acc0 >= ACCURACY_FLOOR, f"clean accuracy {acc0:.3f} (floor {ACCURACY_FLOOR})"),
        Precondition("halting varies across images", sd >= 0.1 and 1.05 <= mean <= T - 0.05, f"E[t] mean {mean:.3f}, SD {sd:.3f}, T = {T}"),
        Precondition("occluder levels", len(levels) >= 2, f"{len(levels)} levels"),
    ]
    family = main + fixed + specific
    return {
        "verdict": MAIN_RULE.decide(main, pre, family),
        "beyond_fixed_time_confidence_step": FIXED_RULE.decide(fixed, pre, family),
        "specific_to_occlusion": {**SPECIFIC_RULE.decide(specific, pre + match_pre, family), "matching": matching},
    }


def report(args: argparse.Namespace) -> None:
    runs = Path(args.runs)
    meta, cal, tables = load_runs(runs)
    st = statistics(tables, meta, cal, args.n_boot)
    verdicts = judge(st)
    est, boot = st["estimates"], st["boot"]
    numbers = {k: {"estimate": v, "ci95": [float(np.quantile(boot[k], 0.025)), float(np.quantile(boot[k], 0.975))]} for k, v in est.items()}
    a0, f0 = st["a0"], st["f0"]
    out = {
        "finding": "more steps on occluded inputs",
        "verdict": verdicts["verdict"]["verdict"],
        "reason": verdicts["verdict"]["reason"],
        "rule": verdicts["verdict"]["rule"],
        "judgements": verdicts,
        "models": {"adaptive": ADAPTIVE, "fixed_time": FIXED},
        "n_images": st["n"],
        "occluder": meta["occluder"],
        "clean": {
            "adaptive_accuracy": float(a0["correct"].mean()), "adaptive_mean_expected_steps": float(a0["expected_steps"].mean()),
            "adaptive_sd_expected_steps": float(a0["expected_steps"].std()), "fixed_accuracy": float(f0["correct"].mean()),
            "fixed_mean_confidence_step": float(f0["confidence_step"].mean()),
        },
        "degradation_levels": st["degraded"],
        "calibration": cal,
        "numbers": numbers,
        "n_boot": args.n_boot,
        "run": {k: meta[k] for k in ("command", "hardware", "seed")},
        "command": f"python benchmarks/findings/occlusion.py report --runs {args.runs}",
    }
    write_json(Path(args.results) / "results.json", out)
    plot(st, Path(args.results) / "occlusion")
    for name, v in verdicts.items():
        print(f"{name}: {v['verdict']} ({v['reason']})")
    for k, v in numbers.items():
        print(f"{k:40s} {v['estimate']:+.4f} [{v['ci95'][0]:+.4f}, {v['ci95'][1]:+.4f}]")


def plot(st: dict, stem: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    est, boot, levels = st["estimates"], st["boot"], st["levels"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    series = [("raw", "occluder: E[t] increase"), ("residual", "occluder: beyond confidence"),
              ("noise_residual", "noise, beyond confidence (matched acc.)"), ("blur_residual", "blur, beyond confidence (matched acc.)"),
              ("contrast_residual", "contrast, beyond confidence (matched acc.)")]
    width = 0.16
    for i, (key, label) in enumerate(series):
        ks = [f"{key}/{lv}" for lv in levels if f"{key}/{lv}" in est]
        if not ks:
            continue
        m = np.array([est[k] for k in ks])
        lo = np.array([np.quantile(boot[k], 0.025) for k in ks])
        hi = np.array([np.quantile(boot[k], 0.975) for k in ks])
        xs = np.arange(len(ks)) + (i - 2) * width
        ax.bar(xs, m, width, yerr=[m - lo, hi - m], capsize=3, label=label)
    ax.set_xticks(range(len(levels)), [f"level {lv} (acc. {est[f'accuracy/{lv}']:.2f})" for lv in levels])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("paired change in E[t] (steps)")
    # below the axes, never over a bar or its error bar
    ax.legend(fontsize=7, ncol=3, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    ax.set_title("Occlusion finding: adaptive model, CIFAR-10 test images (95% bootstrap CIs)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, stem)


def committed_output_error(args: argparse.Namespace) -> str | None:
    """Why these arguments would write into the committed results of the shipped occluder, or None.

    ``run`` with another occluder (or ``--occluder-name``) must not use the committed runs folder
    (it would mix its measurements with those runs and overwrite ``meta.json`` and the
    calibration); ``report`` of other runs must not write the committed results.json and figure.
    """
    committed_runs = (OUT / "runs").resolve()
    if args.cmd == "run":
        custom = args.occluder != DEFAULT_OCCLUDER or args.occluder_name not in (None, DEFAULT_OCCLUDER)
        if custom and Path(args.out).resolve() == committed_runs:
            return (f"--out {args.out} holds the committed runs of the shipped occluder; give occluder {args.occluder} "
                    "its own folder (e.g. --out heldout/runs)")
    elif args.cmd == "report" and Path(args.runs).resolve() != committed_runs and Path(args.results).resolve() == OUT.resolve():
        return (f"--results {args.results} holds the committed results of {committed_runs}; give the report of "
                f"--runs {args.runs} its own folder (e.g. --results heldout)")
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="evaluate the shipped models under every condition (resumable)")
    r.add_argument("--out", default=str(OUT / "runs"))
    r.add_argument("--n-images", type=int, default=10000)
    r.add_argument("--occluder", default="occlusion", help="named degradation, module:function or file.py:function")
    r.add_argument("--occluder-name", default=None, help="name in the stored files (default: a named degradation's name; "
                   "other occluders get 'occluder-<hash of their code>', an explicit name gets the hash appended)")
    r.add_argument("--levels", type=float, nargs="+", default=list(LEVELS))
    r.add_argument("--degradations", nargs="*", default=list(DEGRADATION_GRIDS), choices=list(DEGRADATION_GRIDS))
    r.add_argument("--calibration-images", type=int, default=1000)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--data-root", default=None)
    r.set_defaults(func=run)
    p = sub.add_parser("report", help="statistics and verdicts from stored measurements")
    p.add_argument("--runs", default=str(OUT / "runs"))
    p.add_argument("--results", default=str(OUT), help="folder for results.json and the figure")
    p.add_argument("--n-boot", type=int, default=2000)
    p.set_defaults(func=report)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if (error := committed_output_error(args)) is not None:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2)
    if args.cmd == "run":
        args.argv = argv[1:]
        args.occluder_name = occluder_name(args.occluder, args.occluder_name)
    args.func(args)


if __name__ == "__main__":
    main()
