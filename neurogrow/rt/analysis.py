"""Stage 4 of compare-rt: the statistics, from the per-image table to the summary dict.

:func:`analyse` reads top-down: model times matched to the human stimuli and their identity
checked (stage 2), the human measure per image (stage 3), then one function per statistic
(correlations, bootstrap over images, permutation, two-level bootstrap, noise ceilings, within
category, mixed models), then :func:`~neurogrow.rt.summary.build_summary` and Holm's adjustment.
The random generators are spawned from ``Options.seed`` (:data:`RNG_NAMES`): the image bootstrap,
the permutation, the two-level bootstrap, the subject (or response) splits and each
within-category bootstrap and permutation have their own, so adding or skipping one of these does
not change the others (a resample's draws do not depend on which statistics, e.g. baselines, are
computed on it).  The exception is the noise ceilings: all three (overall, then mean-removed, then
rank-residual within category) bootstrap from the one ``ceiling`` generator in that order, so a
within-category ceiling's CI depends on the draws of the ceilings before it (the overall ceiling's
does not depend on the within-category ones).  Methods: ``docs/compare_rt.md``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from neurogrow.human import HumanData
from neurogrow.rt.human_measures import Trials, match_to_human, per_image_table, quantize, resolve_measure, trial_table
from neurogrow.rt.model_times import BASELINE_PREFIX, model_times_frame
from neurogrow.rt.options import DEFAULT_WITHIN, Options
from neurogrow.rt.resampling import image_resamples, two_level_resamples
from neurogrow.rt.summary import (
    STEP_BASELINE_DEFINITIONS,
    baseline_summary,
    build_summary,
    excludes_zero,
    holm_family,
    json_ceiling,
    json_float,
    json_interval,
    ratio_to_ceiling,
    skipped_baseline,
    two_level_samples,
)

__all__ = ["Result", "analyse", "per_category_table", "stimulus_identity"]

#: The generators spawned from ``Options.seed``, in spawn order (docs/compare_rt.md).
RNG_NAMES = ("boot", "perm", "two_level", "split", "ceiling", "partial_boot", "partial_perm", "rank_boot", "rank_perm")
STAGE_NAMES = ("correlations", "bootstrap", "permutation", "two-level bootstrap", "noise ceiling", "within category", "mixed model")


@dataclass
class Result:
    """What :func:`analyse` (and :func:`neurogrow.compare_rt`) returns.

    Attributes
    ----------
    summary
        Everything ``summary.json`` holds: inputs, options, ``n_stimuli``, ``primary_interval``,
        ``spearman`` (``r``, ``ci95``, ``ci95_two_level``, ``p_permutation``, ``p_parametric``,
        ``significant``...) and ``pearson`` (``r``, the CIs, ``p_parametric``), ``noise_ceiling``,
        ratios to the ceiling, ``within_category``, ``mixed_model`` (see ``docs/compare_rt.md``).
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

    ``model_times`` has ``stimulus`` and ``model_time`` (see :func:`neurogrow.rt.load_model_times`),
    optionally ``sha256`` (checked against the human experiment's images) and ``baseline:<name>``
    columns (compared with E[t]).
    """
    from neurogrow.stats.partial import group_codes

    options = options or Options()
    options.validate()
    model_source = (inputs or {}).get("model_times", "model times")
    model_times = model_times_frame(model_times, options.model_time)
    measure = resolve_measure(human, options)
    matched = match_to_human(model_times, human, options)
    identity = stimulus_identity(matched, human, options, model_times.attrs, model_source)
    per_image, excluded = per_image_table(matched, human, measure, options)
    has_cat = bool(per_image["category"].notna().all() and per_image["category"].nunique() > 1)
    codes = group_codes(per_image["category"].to_numpy())[0] if has_cat else None
    trials = trial_table(human, per_image, measure, options)
    baselines, skipped = usable_baselines(per_image)
    rngs = dict(zip(RNG_NAMES, (np.random.default_rng(s) for s in np.random.SeedSequence(options.seed).spawn(len(RNG_NAMES)))))
    x = per_image["model_time"].to_numpy(float)
    y = per_image["human_measure"].to_numpy(float)

    stages = _Stages(STAGE_NAMES, options.progress)
    try:
        stats = {"correlations": stages.run("correlations", point_correlations, x, y, baselines)}
        stats["bootstrap"] = stages.run("bootstrap", image_resamples, x, y, baselines, options.n_boot, rngs["boot"])
        stats["p_permutation"] = stages.run("permutation", permutation_p, x, y, options, rngs["perm"])
        stats["two_level"] = stages.run("two-level bootstrap", two_level_resamples, x, y, trials, baselines, codes, options.n_boot, rngs["two_level"])
        halves, stats["ceiling"] = stages.run("noise ceiling", noise_ceiling, human, per_image, trials, measure, options, rngs)
        stats["within"] = stages.run("within category", within_category, x, y, codes, per_image, halves, stats["two_level"], options, rngs)
        stats["mixed"] = stages.run("mixed model", mixed_models, per_image, trials, has_cat, options)
    finally:
        stages.close()
    stats["baselines"] = summarise_baselines(stats, baselines, skipped)

    per_image["model_time_resid"] = per_image.get("model_time_resid", np.nan)
    per_image["human_measure_resid"] = per_image.get("human_measure_resid", np.nan)
    summary = build_summary(stats, human, per_image, excluded, trials, measure, has_cat, options, inputs, identity)
    holm_family({"run": summary})
    summary["timings_s"] = stages.timings
    cols = ["stimulus", "model_stimulus", "category", "model_time", "human_measure", "model_time_resid", "human_measure_resid"]
    per_image = per_image[cols + [c for c in per_image.columns if c not in cols]]
    per_category = per_category_table(per_image, options.n_boot, options.seed) if has_cat else None
    return Result(summary=summary, per_image=per_image, per_category=per_category, timings=stages.timings)


# --------------------------------------------------------------------------- inputs


def stimulus_identity(matched: pd.DataFrame, human: HumanData, options: Options, attrs: dict, model_source: str) -> dict:
    """Refuse times of other images than the humans saw; the identity record for summary.json."""
    from neurogrow.human.identity import check_identity, check_recorded_source, human_stimulus_hashes

    check_recorded_source(attrs, human.format, model_source)
    proof = None
    if human.has_trials or options.stimuli is not None:
        proof = human_stimulus_hashes(human.source, options.stimuli, matched["stimulus"].tolist())
    return check_identity(matched, proof, model_source)


def usable_baselines(per_image: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Baselines with a finite, non-constant value on every image; the others with the reason."""
    usable, skipped = {}, {}
    for col in per_image.columns:
        if not col.startswith(BASELINE_PREFIX):
            continue
        name = col[len(BASELINE_PREFIX) :]
        z = pd.to_numeric(per_image[col], errors="coerce").to_numpy(float)
        if not np.isfinite(z).all():
            skipped[name] = f"{int((~np.isfinite(z)).sum())} of {len(z)} images have no value (e.g. an --exit-only times file)"
        elif np.ptp(z) == 0:
            skipped[name] = f"the same value ({z[0]:g}) for every image: its correlation is undefined"
        else:
            usable[name] = z
    return usable, skipped


# --------------------------------------------------------------------------- one function per statistic


def point_correlations(x: np.ndarray, y: np.ndarray, baselines: dict) -> dict:
    """Spearman and Pearson with parametric p, straight from scipy on the values of per_image.csv;
    per baseline its Spearman, the difference from E[t]'s and the partial Spearman of E[t] given it."""
    from scipy import stats as sps

    from neurogrow.stats.paired import partial_spearman_given

    r_s, p_s = (float(v) for v in sps.spearmanr(x, y))
    r_p, p_p = (float(v) for v in sps.pearsonr(x, y))
    per_baseline: dict[str, dict[str, float]] = {}
    out: dict[str, Any] = {"spearman": (r_s, p_s), "pearson": (r_p, p_p), "baselines": per_baseline}
    for name, z in baselines.items():
        r_b = float(sps.spearmanr(z, y)[0])
        per_baseline[name] = {"spearman": r_b, "difference": r_s - r_b, "partial": partial_spearman_given(x, y, z)}
    return out


def permutation_p(x: np.ndarray, y: np.ndarray, options: Options, rng) -> float:
    """Two-sided permutation p of the Spearman correlation."""
    from neurogrow.stats import permutation_pvalue

    return permutation_pvalue(x, y, options.n_perm, rng, "spearman")


def noise_ceiling(human: HumanData, per_image: pd.DataFrame, trials: Trials | None, measure: str, options: Options, rngs: dict):
    """Split halves of the human measure and their Spearman-Brown ceiling: ((a, b, unit) or None, ceiling or None)."""
    from neurogrow.stats import ceiling_from_halves, split_half_counts, split_half_trials

    if trials is not None:
        if trials.n_subjects < 2:
            return None, None
        a, b = split_half_trials(trials.table, options.n_splits, rngs["split"])
        unit = "subjects"
    else:
        assert human.counts is not None and human.reference is not None  # counts data
        counts = human.counts[[int(s) for s in per_image["stimulus"]]]
        ref = human.reference[[int(s) for s in per_image["stimulus"]]]
        a, b = split_half_counts(counts, ref, measure, options.n_splits, rngs["split"], plurality=human.reference_is_plurality)
        unit = "responses within image"
    ceiling = ceiling_from_halves(a, b, options.n_boot, rngs["ceiling"], None, unit)
    return (a, b, unit), ceiling


def within_category(x, y, codes, per_image: pd.DataFrame, halves, two: dict | None, options: Options, rngs: dict) -> dict | None:
    """Both within-category correlations, each with its CIs, permutation p and own ceiling.

    ``mean_removed`` (the default): Spearman of the category-mean-removed values; ``rank_residual``:
    Pearson of the category-centred ranks.  Adds the mean-removed residuals to ``per_image``.
    """
    from scipy import stats as sps

    from neurogrow.stats import (
        bootstrap_partial,
        ceiling_from_halves,
        image_bootstrap,
        partial_permutation_pvalue,
        percentile_ci,
        residualize,
    )
    from neurogrow.stats.partial import partial_spearman_rank, rank_residual_permutation_pvalue, within_rows

    if codes is None:
        return None
    xr = quantize(residualize(x, codes))
    yr = quantize(residualize(y, codes))
    per_image["model_time_resid"] = xr
    per_image["human_measure_resid"] = yr
    methods: dict[str, dict[str, Any]] = {
        "mean_removed": {
            "r": float(sps.spearmanr(xr, yr)[0]),
            "boot": bootstrap_partial(x, y, codes, options.n_boot, rngs["partial_boot"]),
            "p": partial_permutation_pvalue(x, y, codes, options.n_perm, rngs["partial_perm"]),
            "method": "each variable minus the mean of its category; Spearman of the residuals; permutations within category",
        },
        "rank_residual": {
            "r": partial_spearman_rank(x, y, codes),
            "boot": image_bootstrap(lambda w: within_rows(x, y, codes, w, "rank_residual"), len(x), options.n_boot, rngs["rank_boot"]),
            "p": rank_residual_permutation_pvalue(x, y, codes, options.n_perm, rngs["rank_perm"]),
            "method": "each variable ranked over all images minus its category's mean rank; Pearson of the rank residuals; "
            "permutations within category",
        },
    }
    out: dict[str, Any] = {"n_categories": int(per_image["category"].nunique()), "default": DEFAULT_WITHIN}
    primary = "ci95_two_level" if two is not None else "ci95"
    for name, m in methods.items():
        ceiling = ceiling_from_halves(halves[0], halves[1], options.n_boot, rngs["ceiling"], codes, halves[2], within=name) if halves else None
        nc = ceiling.spearman_brown if ceiling else None
        partial = {
            "r": json_float(m["r"]),
            "ci95": json_interval(percentile_ci(m["boot"])),
            "ci95_two_level": json_interval(percentile_ci(two_level_samples(two[f"within/{name}"], m["r"], name))) if two is not None else None,
            "p_permutation": json_float(m["p"]),
            "relative_to_ceiling": ratio_to_ceiling(m["r"], nc),
            "disattenuated": ratio_to_ceiling(m["r"], nc, sqrt=True),
        }
        partial["significant"] = excludes_zero(partial[primary])
        out[name] = {"spearman_partial": partial, "noise_ceiling": json_ceiling(ceiling.to_dict()) if ceiling else None, "method": m["method"]}
    out.update(out[DEFAULT_WITHIN])
    return out


def mixed_models(per_image: pd.DataFrame, trials: Trials | None, has_cat: bool, options: Options) -> dict | None:
    """Per-trial log RT ~ model time (+ category): crossed random intercepts for subject and image
    (the default, reported at the top level), and the subject-only model beside it."""
    from neurogrow.stats import fit_mixed
    from neurogrow.stats.mixed import fit_crossed

    if trials is None or not options.mixed_model or trials.n_subjects < 2:
        return None
    table = trials.table
    mt = per_image["model_time"].to_numpy(float)[table.image]
    cats = per_image["category"].to_numpy()[table.image] if has_cat else None
    logrt = np.log(trials.used["rt"].to_numpy(float))

    def attempt(fit, *args) -> dict:
        try:
            return fit(*args)
        except (np.linalg.LinAlgError, ValueError) as exc:
            return {"coef": None, "ci95": [None, None], "p": None, "error": str(exc).splitlines()[0]}

    crossed = attempt(fit_crossed, logrt, mt, table.subject, table.image, cats)
    crossed["random_effects"] = "crossed: subject and image"
    crossed["subject_only"] = dict(attempt(fit_mixed, logrt, mt, table.subject, cats), random_effects="subject")
    return crossed


def summarise_baselines(stats: dict, baselines: dict, skipped: dict) -> dict:
    """The ``baselines`` object of summary.json: the step baselines first, then --baseline files."""
    out = {}
    names = [n for n in STEP_BASELINE_DEFINITIONS if n in baselines or n in skipped]
    names += [n for n in list(baselines) + list(skipped) if n not in names]
    for name in names:
        definition = STEP_BASELINE_DEFINITIONS.get(name, f"times of another model (--baseline {name})")
        if name in skipped:
            out[name] = skipped_baseline(definition, skipped[name])
        else:
            out[name] = baseline_summary(name, stats["correlations"]["baselines"][name], stats["bootstrap"], stats["two_level"], definition)
    return out


def per_category_table(per_image: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per category: n, Spearman of model time with the human measure with its 95% percentile CI
    (``n_boot`` resamples of the category's images; NaN where undefined), and both means."""
    from neurogrow.stats import spearman
    from neurogrow.stats.bootstrap import percentile_ci
    from neurogrow.stats.correlation import bootstrap_correlation

    rows = []
    rng = np.random.default_rng(seed)
    for cat, g in per_image.groupby("category", sort=True):
        x, y = g["model_time"].to_numpy(float), g["human_measure"].to_numpy(float)
        ok = len(g) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0
        ci = percentile_ci(bootstrap_correlation(x, y, n_boot, rng, ("spearman",))["spearman"]) if ok and n_boot else [None, None]
        rows.append(
            {
                "category": cat,
                "n": len(g),
                "spearman": spearman(x, y) if ok else np.nan,
                "spearman_ci95_low": np.nan if ci[0] is None else ci[0],
                "spearman_ci95_high": np.nan if ci[1] is None else ci[1],
                "mean_model_time": g["model_time"].mean(),
                "mean_human_measure": g["human_measure"].mean(),
            }
        )
    return pd.DataFrame(rows)
