"""Coverage of compare-rt's intervals on simulated experiments with a known expected correlation.

Each simulated experiment has N images in 4 categories and S subjects.  Per image a latent human
difficulty ``h = c_category + w`` (category effects fixed, ``c = (-0.6, -0.2, 0.2, 0.6)``: the
categories are part of the design, not redrawn per experiment; ``w ~ N(0, 1)``); the model time is
``x = rho w + sqrt(1 - rho^2) e + 0.5 c`` and a baseline ``z = 0.5 w + N(0, 1)``.  Subject j's
log RT on image i is ``h_i (1 + u_j) + o_j + eps_ij`` with subject offsets ``o_j ~ N(0, 0.3^2)``,
subject slopes ``u_j ~ N(0, slope_sd^2)`` (subjects who disagree about which images are slow) and
trial noise whose variance gives the per-image mean over S subjects the design's reliability
(``var(h) / (var(h) + var(eps) / S)``).  Unbalanced designs: each subject sees each image with
probability ``seen`` (at least one subject per image), so images differ in their subjects.

The estimand of every interval is the **expected correlation** of the design: the mean, over
experiments of that design (new images and new subjects), of the statistic compare-rt reports
(Spearman of E[t] with the per-image mean log RT, the within-category correlations, the
difference rho(E[t]) - rho(baseline), the partial given the baseline).  It is computed per design
from ``--n-truth`` further simulated experiments (point estimates only).

Methods (each a 95% interval from the same resamples of one experiment):

- ``image_percentile``: percentile interval of the bootstrap over images (compare-rt's ``ci95``);
- ``two_level_percentile``: percentile interval of the two-level bootstrap (subjects and images
  with replacement), the primary interval before issue 29;
- ``two_level_basic``: the basic interval ``2 r - q`` of the same resamples;
- ``two_level_centred``: the same resamples centred on the estimate
  (:func:`neurogrow.stats.bootstrap.centred_resamples`, Fisher's z for correlations), compare-rt's
  primary interval (``ci95_two_level``) since issue 29.

Per method x design x statistic: coverage, misses with the truth below the interval
(``miss_low``) and above it (``miss_high``), the mean of (interval midpoint - expected value)
(``midpoint_bias``; its Monte-Carlo error is that of the mean estimate, shared by all methods) and
the mean of (interval midpoint - estimate) (``midpoint_minus_estimate``: the method's own shift).
Writes ``benchmarks/results/stats_coverage.json``.

    python benchmarks/stats_coverage.py [--experiments 50] [--n-truth 300] [--n-boot 300] [--jobs 2] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RHOS = (0.0, 0.2, 0.4, 0.6)
#: Category effects on the latent difficulty (fixed: a design's categories are not redrawn per experiment).
CATEGORY_EFFECTS = np.array([-0.6, -0.2, 0.2, 0.6])
#: The designs of the full grid: (images, subjects, reliability, probability a subject sees an image, subject slope SD).
DESIGNS = (
    (20, 10, 0.6, 1.0, 0.0),
    (40, 5, 0.3, 1.0, 0.0),
    (80, 30, 0.9, 1.0, 0.0),
    (200, 10, 0.56, 1.0, 0.0),
    (200, 10, 0.56, 1.0, 0.5),
    (320, 5, 0.6, 0.6, 0.0),
    (320, 20, 0.3, 0.5, 0.3),
    (1280, 10, 0.8, 1.0, 0.0),
    (1280, 30, 0.4, 0.3, 0.0),
)
#: The reduced grid of the test (tests/test_stats_coverage.py).
QUICK_DESIGNS = ((60, 6, 0.5, 1.0, 0.0), (60, 8, 0.6, 0.6, 0.3))
METHODS = ("image_percentile", "two_level_percentile", "two_level_basic", "two_level_centred")
#: Statistics, with whether each is a correlation (Fisher's z for the centred interval).
STATISTICS = {
    "spearman": True,
    "within/mean_removed": True,
    "within/rank_residual": True,
    "z/difference": False,
    "z/partial": True,
}


def simulate(n: int, s: int, reliability: float, seen: float, slope_sd: float, rho: float, rng: np.random.Generator):
    """One experiment: model times, baseline, category codes, trial table, per-image measure."""
    from neurogrow.stats import TrialTable

    codes = np.arange(n) % 4
    c = CATEGORY_EFFECTS[codes]
    w = rng.normal(0, 1, n)
    h = c + w
    x = rho * w + np.sqrt(1 - rho**2) * rng.normal(0, 1, n) + 0.5 * c
    z = 0.5 * w + rng.normal(0, 1, n)
    var_h = 1.0 + float(np.mean(CATEGORY_EFFECTS**2))
    sd_eps = np.sqrt(s * var_h * (1.0 / reliability - 1.0))
    u, o = rng.normal(0, slope_sd, s), rng.normal(0, 0.3, s)
    y_trials = h[:, None] * (1 + u[None, :]) + o[None, :] + rng.normal(0, sd_eps, (n, s))
    keep = rng.random((n, s)) < seen
    keep[np.arange(n), rng.integers(0, s, n)] = True  # every image seen by someone
    img, subj = np.nonzero(keep)
    table = TrialTable(img, subj, y_trials[img, subj], n, s)
    return x, z, codes, table, table.image_measure()


def point_estimates(x, y, z, codes) -> dict[str, float]:
    from neurogrow.stats import spearman
    from neurogrow.stats.paired import partial_spearman_given
    from neurogrow.stats.partial import partial_spearman, partial_spearman_rank

    r = spearman(x, y)
    return {
        "spearman": r,
        "within/mean_removed": partial_spearman(x, y, codes),
        "within/rank_residual": partial_spearman_rank(x, y, codes),
        "z/difference": r - spearman(z, y),
        "z/partial": float(partial_spearman_given(x, y, z)),
    }


def intervals(x, y, z, codes, table, est: dict, n_boot: int, rng) -> dict[str, dict[str, tuple[float, float]]]:
    """method -> statistic -> (lo, hi), from one image bootstrap and one two-level bootstrap."""
    from neurogrow.rt.resampling import image_resamples, two_level_resamples
    from neurogrow.stats import percentile_ci
    from neurogrow.stats.bootstrap import centred_resamples

    img = image_resamples(x, y, {"z": z}, n_boot, rng)  # (no within-category statistics: not a primary interval)
    two = two_level_resamples(x, y, SimpleNamespace(table=table, n_subjects=table.n_subjects), {"z": z}, codes, n_boot, rng)
    out: dict[str, dict] = {m: {} for m in METHODS}
    for key, fisher in STATISTICS.items():
        out["image_percentile"][key] = percentile_ci(img[key]) if key in img else (None, None)
        lo, hi = percentile_ci(two[key])
        out["two_level_percentile"][key] = (lo, hi)
        out["two_level_basic"][key] = (2 * est[key] - hi, 2 * est[key] - lo) if lo is not None and hi is not None else (None, None)
        out["two_level_centred"][key] = percentile_ci(centred_resamples(two[key], est[key], fisher))
    return out


def expected_values(design, rho: float, n_truth: int, rng) -> dict[str, float]:
    """Mean of each statistic over ``n_truth`` experiments of the design."""
    rows = []
    for _ in range(n_truth):
        x, z, codes, _, y = simulate(*design, rho, rng)
        rows.append(point_estimates(x, y, z, codes))
    return {k: float(np.mean([r[k] for r in rows])) for k in STATISTICS}


def run_design(design, rho: float, n_exp: int, n_truth: int, n_boot: int, seed: int) -> dict:
    """Coverage table rows of one design and rho."""
    rng = np.random.default_rng([seed, *[round(v * 1000) for v in design], int(rho * 10)])
    truth = expected_values(design, rho, n_truth, rng)
    tally = {m: {k: {"covered": 0, "miss_low": 0, "miss_high": 0, "mid": [], "shift": [], "width": []} for k in STATISTICS} for m in METHODS}
    for _ in range(n_exp):
        x, z, codes, table, y = simulate(*design, rho, rng)
        est = point_estimates(x, y, z, codes)
        for m, per in intervals(x, y, z, codes, table, est, n_boot, rng).items():
            for k, (lo, hi) in per.items():
                t = tally[m][k]
                if lo is None or hi is None:
                    continue
                t["covered"] += lo <= truth[k] <= hi
                t["miss_low"] += truth[k] < lo  # the truth below the interval
                t["miss_high"] += truth[k] > hi
                t["mid"].append((lo + hi) / 2 - truth[k])
                t["shift"].append((lo + hi) / 2 - est[k])
                t["width"].append(hi - lo)
    n, s, rel, seen, slope_sd = design
    out = {"n_images": n, "n_subjects": s, "reliability": rel, "seen": seen, "subject_slope_sd": slope_sd, "rho": rho,
           "expected": truth, "methods": {}}
    for m in METHODS:
        out["methods"][m] = {}
        for k in STATISTICS:
            t = tally[m][k]
            done = len(t["mid"])
            out["methods"][m][k] = {
                "n": done,
                "coverage": t["covered"] / done if done else None,
                "miss_low": t["miss_low"],
                "miss_high": t["miss_high"],
                "midpoint_bias": float(np.mean(t["mid"])) if done else None,
                "midpoint_minus_estimate": float(np.mean(t["shift"])) if done else None,
                "mean_width": float(np.mean(t["width"])) if done else None,
            }
    return out


def headline(rows: list[dict]) -> dict:
    """Per method and statistic, pooled over designs: coverage, tails, mean midpoint bias, worst design."""
    out: dict = {}
    for m in METHODS:
        out[m] = {}
        for k in STATISTICS:
            cells = [r["methods"][m][k] for r in rows if r["methods"][m][k]["n"]]
            n = sum(c["n"] for c in cells)
            if not n:
                continue
            cov = sum(c["coverage"] * c["n"] for c in cells) / n
            out[m][k] = {
                "coverage": round(cov, 4),
                "miss_low": sum(c["miss_low"] for c in cells),
                "miss_high": sum(c["miss_high"] for c in cells),
                "mean_midpoint_bias": round(float(np.mean([c["midpoint_bias"] for c in cells])), 4),
                "mean_midpoint_minus_estimate": round(float(np.mean([c["midpoint_minus_estimate"] for c in cells])), 4),
                "min_design_coverage": round(min(c["coverage"] for c in cells), 4),
                "n_experiments": n,
            }
    return out


def _cell(args) -> dict:
    t0 = time.perf_counter()
    row = run_design(*args)
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return row


def run(designs, rhos, n_exp: int, n_truth: int, n_boot: int, seed: int = 0, log=None, jobs: int = 1) -> dict:
    """The coverage table over ``designs`` x ``rhos`` (cells in ``jobs`` processes)."""
    cells = [(design, rho, n_exp, n_truth, n_boot, seed) for design in designs for rho in rhos]
    if jobs > 1:
        from multiprocessing import Pool

        with Pool(jobs) as pool:
            it = pool.imap(_cell, cells)
            rows = []
            for row in it:
                rows.append(row)
                _log(log, row)
    else:
        rows = []
        for c in cells:
            rows.append(_cell(c))
            _log(log, rows[-1])
    return {"headline": headline(rows), "designs": rows}


def _log(log, row: dict) -> None:
    if log:
        c = row["methods"]
        design = (row["n_images"], row["n_subjects"], row["reliability"], row["seen"], row["subject_slope_sd"])
        log(f"{design} rho={row['rho']}: spearman coverage " + ", ".join(f"{m} {c[m]['spearman']['coverage']:.2f}" for m in METHODS)
            + f" ({row['seconds']} s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiments", type=int, default=50, help="simulated experiments per design and rho")
    ap.add_argument("--n-truth", type=int, default=300, help="experiments per design for the expected values")
    ap.add_argument("--n-boot", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="the reduced grid of the test")
    ap.add_argument("--jobs", type=int, default=1, help="processes (one design x rho cell each)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "stats_coverage.json"))
    args = ap.parse_args(argv)
    designs = QUICK_DESIGNS if args.quick else DESIGNS
    t0 = time.perf_counter()
    res = run(designs, RHOS, args.experiments, args.n_truth, args.n_boot, args.seed, log=lambda m: print(m, flush=True), jobs=args.jobs)
    out = {
        "command": "python benchmarks/stats_coverage.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "what": __doc__.split("\n\n")[0],
        "primary_method": "two_level_centred",
        "experiments_per_design": args.experiments,
        "truth_experiments_per_design": args.n_truth,
        "n_boot": args.n_boot,
        "nominal": 0.95,
        "monte_carlo_se_of_coverage": round(float(np.sqrt(0.95 * 0.05 / args.experiments)), 4),
        "seconds": round(time.perf_counter() - t0, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}",
        **res,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    for m, per in res["headline"].items():
        print(m, {k: (v["coverage"], v["miss_low"], v["miss_high"], v["mean_midpoint_bias"]) for k, v in per.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
