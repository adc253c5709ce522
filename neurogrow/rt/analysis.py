"""Stage 4 of compare-rt: the statistics, from the per-image table to the summary dict.

:func:`analyse` reads top-down: model times and human measures per image (stages 2 and 3),
then one function per statistic (correlations, bootstrap, permutation, two-level bootstrap,
noise ceiling, within category, mixed model), then :func:`build_summary`.  Each statistic has
its own random generator spawned from ``Options.seed``, so adding or skipping one does not
change the others.  Methods: ``docs/compare_rt.md``.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from neurogrow.human import HumanData
from neurogrow.rt.human_measures import Trials, per_image_table, quantize, resolve_measure, trial_table
from neurogrow.rt.model_times import model_times_frame
from neurogrow.rt.options import Options

__all__ = ["Result", "analyse", "build_summary", "per_category_table"]

#: The generators spawned from ``Options.seed``, in spawn order.
RNG_NAMES = ("boot", "perm", "two_level", "split", "ceiling", "partial_boot", "partial_perm")
STAGE_NAMES = ("correlations", "bootstrap", "permutation", "two-level bootstrap", "noise ceiling", "within category", "mixed model")


@dataclass
class Result:
    """What :func:`analyse` (and :func:`neurogrow.compare_rt`) returns.

    Attributes
    ----------
    summary
        Everything ``summary.json`` holds: inputs, options, ``n_stimuli``, ``spearman`` and
        ``pearson`` (``r``, ``ci95``, ``p_perm``...), ``noise_ceiling``, ratios to the ceiling,
        ``within_category``, ``mixed_model`` (see ``docs/compare_rt.md``).
    per_image
        One row per matched stimulus: ``stimulus``, ``model_time``, ``human_measure``,
        ``category`` and the within-category residuals (what ``per_image.csv`` holds).
    per_category
        Per category: ``category``, ``n``, ``spearman``... (None without categories).
    timings
        Seconds per analysis stage.
    """

    summary: dict
    per_image: pd.DataFrame
    per_category: pd.DataFrame | None = None
    timings: dict = field(default_factory=dict)


def json_float(x) -> float | None:
    """JSON-safe float (None for None and non-finite values)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def json_interval(ci) -> list:
    """A CI as a JSON list of two floats or Nones."""
    return [json_float(c) for c in ci]


def ratio_to_ceiling(r, ceiling, sqrt: bool = False):
    """``r / ceiling`` (or ``r / sqrt(ceiling)``), None where the ceiling is missing or not positive."""
    if r is None or ceiling is None or not np.isfinite(ceiling) or ceiling <= 0:
        return None
    return json_float(r / (math.sqrt(ceiling) if sqrt else ceiling))


class _Stages:
    """Progress over the analysis stages (:func:`neurogrow.progress.progress`) and a timer per stage."""

    def __init__(self, names, enabled: bool | None):
        from neurogrow.progress import progress

        self.bar = progress(total=len(names), desc="compare-rt", unit="stage", disable=enabled is False)
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    def run(self, name: str, fn, *args, **kwargs):
        """Run one stage, timing it."""
        self.bar.set_postfix_str(name)
        out = fn(*args, **kwargs)
        now = time.perf_counter()
        self.timings[name] = round(now - self._t, 4)
        self._t = now
        self.bar.update(1)
        return out

    def close(self) -> None:
        self.bar.close()


# --------------------------------------------------------------------------- the walk


def analyse(model_times: pd.DataFrame, human: HumanData, options: Options | None = None, inputs: dict | None = None) -> Result:
    """Run the full comparison of model times with human data; nothing is written.

    ``model_times`` has ``stimulus`` and ``model_time`` (see :func:`neurogrow.rt.load_model_times`).
    """
    from neurogrow.stats.partial import group_codes

    options = options or Options()
    options.validate()
    model_times = model_times_frame(model_times, options.model_time)
    measure = resolve_measure(human, options)
    per_image, excluded = per_image_table(model_times, human, measure, options)
    has_cat = bool(per_image["category"].notna().all() and per_image["category"].nunique() > 1)
    codes = group_codes(per_image["category"].to_numpy())[0] if has_cat else None
    trials = trial_table(human, per_image, measure, options)
    rngs = dict(zip(RNG_NAMES, (np.random.default_rng(s) for s in np.random.SeedSequence(options.seed).spawn(len(RNG_NAMES)))))
    x = per_image["model_time"].to_numpy(float)
    y = per_image["human_measure"].to_numpy(float)

    stages = _Stages(STAGE_NAMES, options.progress)
    try:
        stats = {"correlations": stages.run("correlations", point_correlations, x, y)}
        stats["bootstrap"] = stages.run("bootstrap", image_bootstrap, x, y, options, rngs["boot"])
        stats["p_permutation"] = stages.run("permutation", permutation_p, x, y, options, rngs["perm"])
        stats["two_level"] = stages.run("two-level bootstrap", two_level_bootstrap_ci, x, y, trials, options, rngs["two_level"])
        halves, ceiling = stages.run("noise ceiling", noise_ceiling, human, per_image, trials, measure, options, rngs)
        stats["ceiling"] = ceiling
        stats["within"] = stages.run("within category", within_category, x, y, codes, per_image, halves, options, rngs)
        stats["mixed"] = stages.run("mixed model", mixed_model, per_image, trials, has_cat, options)
    finally:
        stages.close()

    per_image["model_time_resid"] = per_image.get("model_time_resid", np.nan)
    per_image["human_measure_resid"] = per_image.get("human_measure_resid", np.nan)
    summary = build_summary(stats, human, per_image, excluded, trials, measure, has_cat, options, inputs)
    summary["timings_s"] = stages.timings
    cols = ["stimulus", "model_stimulus", "category", "model_time", "human_measure", "model_time_resid", "human_measure_resid"]
    per_image = per_image[cols + [c for c in per_image.columns if c not in cols]]
    per_category = per_category_table(per_image) if has_cat else None
    return Result(summary=summary, per_image=per_image, per_category=per_category, timings=stages.timings)


# --------------------------------------------------------------------------- one function per statistic


def point_correlations(x: np.ndarray, y: np.ndarray) -> dict:
    """Spearman and Pearson with parametric p, straight from scipy on the values of per_image.csv."""
    from scipy import stats as sps

    r_s, p_s = (float(v) for v in sps.spearmanr(x, y))
    r_p, p_p = (float(v) for v in sps.pearsonr(x, y))
    return {"spearman": (r_s, p_s), "pearson": (r_p, p_p)}


def image_bootstrap(x: np.ndarray, y: np.ndarray, options: Options, rng) -> dict:
    """Bootstrap distributions of Spearman and Pearson over images."""
    from neurogrow.stats import bootstrap_correlation

    return bootstrap_correlation(x, y, options.n_boot, rng)


def permutation_p(x: np.ndarray, y: np.ndarray, options: Options, rng) -> float:
    """Two-sided permutation p of the Spearman correlation."""
    from neurogrow.stats import permutation_pvalue

    return permutation_pvalue(x, y, options.n_perm, rng, "spearman")


def two_level_bootstrap_ci(x: np.ndarray, y: np.ndarray, trials: Trials | None, options: Options, rng) -> dict | None:
    """Bootstrap distributions over subjects and then images (per-trial data of >= 2 subjects)."""
    from neurogrow.stats import two_level_bootstrap, weighted_correlation

    if trials is None or trials.n_subjects < 2:
        return None
    table = trials.table
    hint_y = np.argsort(y, kind="stable")

    def statistic(v: np.ndarray, w: np.ndarray) -> dict:
        yb = table.image_measure(v.T).T
        ok = np.isfinite(yb)
        w = np.where(ok, w, 0.0)
        yb = np.where(ok, yb, 0.0)
        return {m: weighted_correlation(x, yb, w, m, hint_y=hint_y) for m in ("spearman", "pearson")}

    return two_level_bootstrap(statistic, trials.n_subjects, len(x), options.n_boot, rng)


def noise_ceiling(human: HumanData, per_image: pd.DataFrame, trials: Trials | None, measure: str, options: Options, rngs: dict):
    """Split halves of the human measure and their Spearman-Brown ceiling: ((a, b, unit) or None, ceiling or None)."""
    from neurogrow.stats import ceiling_from_halves, split_half_counts, split_half_trials

    if trials is not None:
        if trials.n_subjects < 2:
            return None, None
        a, b = split_half_trials(trials.table, options.n_splits, rngs["split"])
        unit = "subjects"
    else:
        counts = human.counts[[int(s) for s in per_image["stimulus"]]] if human.counts is not None else None
        ref = human.reference[[int(s) for s in per_image["stimulus"]]]
        a, b = split_half_counts(counts, ref, measure, options.n_splits, rngs["split"])
        unit = "responses within image"
    ceiling = ceiling_from_halves(a, b, options.n_boot, rngs["ceiling"], None, unit)
    return (a, b, unit), ceiling


def within_category(x, y, codes, per_image: pd.DataFrame, halves, options: Options, rngs: dict) -> dict | None:
    """Partial Spearman given category (mean-removed residuals), its CI, permutation p and ceiling.

    Adds the residuals to ``per_image`` (``model_time_resid``, ``human_measure_resid``).
    """
    from scipy import stats as sps

    from neurogrow.stats import bootstrap_partial, ceiling_from_halves, partial_permutation_pvalue, percentile_ci, residualize

    if codes is None:
        return None
    xr = quantize(residualize(x, codes))
    yr = quantize(residualize(y, codes))
    per_image["model_time_resid"] = xr
    per_image["human_measure_resid"] = yr
    r_w = float(sps.spearmanr(xr, yr)[0])
    boot_w = bootstrap_partial(x, y, codes, options.n_boot, rngs["partial_boot"])
    p_w = partial_permutation_pvalue(x, y, codes, options.n_perm, rngs["partial_perm"])
    ceiling_w = ceiling_from_halves(halves[0], halves[1], options.n_boot, rngs["ceiling"], codes, halves[2]) if halves else None
    nc = ceiling_w.spearman_brown if ceiling_w else None
    return {
        "n_categories": int(per_image["category"].nunique()),
        "spearman_partial": {
            "r": json_float(r_w),
            "ci95": json_interval(percentile_ci(boot_w)),
            "p_permutation": json_float(p_w),
            "relative_to_ceiling": ratio_to_ceiling(r_w, nc),
            "disattenuated": ratio_to_ceiling(r_w, nc, sqrt=True),
        },
        "noise_ceiling": _json_ceiling(ceiling_w.to_dict()) if ceiling_w else None,
        "method": "each variable minus the mean of its category; Spearman of the residuals; permutations within category",
    }


def mixed_model(per_image: pd.DataFrame, trials: Trials | None, has_cat: bool, options: Options) -> dict | None:
    """Per-trial log RT ~ model time (+ category), random intercept per subject."""
    from neurogrow.stats import fit_mixed

    if trials is None or not options.mixed_model or trials.n_subjects < 2:
        return None
    table = trials.table
    mt = per_image["model_time"].to_numpy(float)[table.image]
    cats = per_image["category"].to_numpy()[table.image] if has_cat else None
    logrt = np.log(trials.used["rt"].to_numpy(float))
    try:
        return fit_mixed(logrt, mt, table.subject, cats)
    except (np.linalg.LinAlgError, ValueError) as exc:
        return {"coef": None, "ci95": [None, None], "p": None, "error": str(exc).splitlines()[0]}


def per_category_table(per_image: pd.DataFrame) -> pd.DataFrame:
    """Per category: n, Spearman of model time with the human measure, and both means."""
    from neurogrow.stats import spearman

    rows = []
    for cat, g in per_image.groupby("category", sort=True):
        ok = len(g) >= 3 and np.ptp(g["model_time"]) > 0 and np.ptp(g["human_measure"]) > 0
        rows.append(
            {
                "category": cat,
                "n": len(g),
                "spearman": spearman(g["model_time"].to_numpy(), g["human_measure"].to_numpy()) if ok else np.nan,
                "mean_model_time": g["model_time"].mean(),
                "mean_human_measure": g["human_measure"].mean(),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- summary.json


def _json_ceiling(d: dict) -> dict:
    return {k: (json_float(v) if isinstance(v, float) else json_interval(v) if isinstance(v, list) else v) for k, v in d.items()}


def build_summary(stats: dict, human: HumanData, per_image, excluded, trials, measure, has_cat, options, inputs) -> dict:
    """The ``summary.json`` dict (without ``timings_s`` and ``files``); keys in ``docs/compare_rt.md``."""
    from neurogrow import __version__
    from neurogrow.stats import percentile_ci

    (r_s, p_s), (r_p, p_p) = stats["correlations"]["spearman"], stats["correlations"]["pearson"]
    boot, two, ceiling = stats["bootstrap"], stats["two_level"], stats["ceiling"]
    nc = ceiling.spearman_brown if ceiling else None
    return {
        "neurogrow_version": __version__,
        "created": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "inputs": dict(inputs or {}, human_format=human.format),
        "options": {k: v for k, v in asdict(options).items() if k != "progress"},
        "human_measure": measure,
        "n_stimuli": int(len(per_image)),
        "n_excluded": len(excluded),
        "excluded_stimuli": excluded[:50],
        "n_subjects": int(trials.n_subjects) if trials is not None else 0,
        "n_trials": int(len(trials.table.value)) if trials is not None else None,
        "n_categories": int(per_image["category"].nunique()) if has_cat else 0,
        "spearman": {
            "r": json_float(r_s),
            "ci95": json_interval(percentile_ci(boot["spearman"])),
            "ci95_two_level": json_interval(percentile_ci(two["spearman"])) if two is not None else None,
            "p_permutation": json_float(stats["p_permutation"]),
            "p_parametric": json_float(p_s),
            "relative_to_ceiling": ratio_to_ceiling(r_s, nc),
            "disattenuated": ratio_to_ceiling(r_s, nc, sqrt=True),
        },
        "pearson": {
            "r": json_float(r_p),
            "ci95": json_interval(percentile_ci(boot["pearson"])),
            "ci95_two_level": json_interval(percentile_ci(two["pearson"])) if two is not None else None,
            "p_parametric": json_float(p_p),
        },
        "noise_ceiling": _json_ceiling(ceiling.to_dict()) if ceiling else {"spearman_brown": None, "ci95": [None, None]},
        "within_category": stats["within"]
        or {"spearman_partial": None, "noise_ceiling": None, "note": "no categories in the data: within-category analysis skipped"},
        "mixed_model": stats["mixed"] or {"coef": None, "ci95": [None, None], "p": None, "note": "needs per-trial data from at least 2 subjects"},
        "notes": list(human.notes),
    }
