"""Power of compare-rt's primary test on a per-trial design, by simulation from its own variance.

The question a null result raises: with these images and these subjects, how large a correlation
between a model time and the human RTs could the test have found? :func:`power_curve` answers it
for one experiment's design (which subject saw which image: the trials kept as they are) and
its log-RT variance components (crossed REML, :func:`neurogrow.stats.mixed.variance_components`).

Each simulated experiment draws, on the real design,

    log RT_ij = mu + a_i + b_j + e_ij,   a_i ~ N(0, sd_image^2), b_j ~ N(0, sd_subject^2),
    e_ij ~ N(0, sd_residual^2),

and a model time ``x_i = rho a_i / sd_image + sqrt(1 - rho^2) z_i`` (``z_i ~ N(0, 1)``): ``rho`` is
the latent correlation of the model time with the images' true RT effects. It then runs the
test compare-rt decides a correlation by: Spearman of ``x`` with the per-image mean log RT, its
two-level (subjects x images) bootstrap (:func:`neurogrow.rt.resampling.two_level_resamples`)
centred on the estimate on Fisher's z scale (:func:`neurogrow.rt.summary.two_level_samples`), the
95 % percentile interval; the test detects when the interval lies above 0. Power at ``rho`` is the
share of experiments that detect; each ``rho`` also gets the mean observed Spearman, the
*expected correlation* a user would read in compare-rt's summary, which is smaller than ``rho``
by the measure's unreliability. Image effects are exchangeable here: category structure in the
RTs is part of ``a``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from neurogrow.rt.human_measures import Trials
from neurogrow.rt.resampling import two_level_resamples
from neurogrow.rt.summary import two_level_samples
from neurogrow.stats import TrialTable, percentile_ci, spearman

__all__ = ["detection_threshold", "power_curve", "simulate_experiment"]

#: The power a detection threshold is stated at.
TARGET_POWER = 0.8


def simulate_experiment(design: TrialTable, components: dict, rho: float, rng: np.random.Generator) -> tuple[np.ndarray, TrialTable]:
    """One simulated experiment on ``design``'s trials: ``(model time x (n_images,), trial table of log RTs)``."""
    a = rng.normal(0.0, components["image_sd"], design.n_images)
    b = rng.normal(0.0, components["subject_sd"], design.n_subjects)
    e = rng.normal(0.0, components["residual_sd"], design.image.size)
    values = components.get("mean", 0.0) + a[design.image] + b[design.subject] + e
    scale = components["image_sd"] if components["image_sd"] > 0 else 1.0
    x = rho * a / scale + np.sqrt(1.0 - rho**2) * rng.normal(0.0, 1.0, design.n_images)
    return x, TrialTable(design.image, design.subject, values, design.n_images, design.n_subjects, "mean")


def primary_test(x: np.ndarray, table: TrialTable, n_boot: int, rng: np.random.Generator) -> tuple[float, float, float]:
    """compare-rt's primary test of Spearman(x, per-image mean): ``(r, ci_low, ci_high)``."""
    y = table.image_measure()
    r = float(spearman(x, y))
    two = two_level_resamples(x, y, Trials(used=pd.DataFrame(), table=table, n_subjects=table.n_subjects), {}, None, n_boot, rng)
    if two is None:
        raise ValueError(f"the two-level test needs at least 2 subjects; the design has {table.n_subjects}")
    lo, hi = percentile_ci(two_level_samples(two["spearman"], r, "spearman"))
    return r, (math.nan if lo is None else float(lo)), (math.nan if hi is None else float(hi))


def power_curve(design: TrialTable, components: dict, rhos, n_sim: int, n_boot: int, seed: int = 0, progress=None) -> list[dict]:
    """Per latent ``rho``: power (share of ``n_sim`` experiments whose interval lies above 0),
    its Monte-Carlo SE, the mean observed Spearman and the share of intervals below 0."""
    rows = []
    for k, rho in enumerate(rhos):
        rng = np.random.default_rng([seed, k])
        results = np.array([primary_test(*simulate_experiment(design, components, float(rho), rng), n_boot, rng) for _ in range(n_sim)])
        hit = results[:, 1] > 0
        p = float(hit.mean())
        rows.append({"rho_latent": float(rho), "power": p, "power_se": float(np.sqrt(p * (1 - p) / n_sim)),
                     "mean_spearman": float(results[:, 0].mean()), "below_zero": float((results[:, 2] < 0).mean()),
                     "n_sim": n_sim})
        if progress is not None:
            progress(rows[-1])
    return rows


def detection_threshold(rows: list[dict], target: float = TARGET_POWER) -> dict:
    """The smallest latent ``rho`` (and its mean observed Spearman) with power >= ``target``.

    Linear interpolation between the first grid point that reaches ``target`` and the one
    before it; ``None`` values (with ``reached`` False) when no grid point reaches it.
    """
    rows = sorted(rows, key=lambda r: r["rho_latent"])
    for i, r in enumerate(rows):
        if r["power"] >= target:
            if i == 0:  # the first grid point already reaches it: no point below to interpolate from
                return {"reached": True, "rho_latent": r["rho_latent"], "spearman": r["mean_spearman"], "target_power": target}
            lo = rows[i - 1]
            f = (target - lo["power"]) / (r["power"] - lo["power"])
            return {"reached": True, "target_power": target,
                    "rho_latent": lo["rho_latent"] + f * (r["rho_latent"] - lo["rho_latent"]),
                    "spearman": lo["mean_spearman"] + f * (r["mean_spearman"] - lo["mean_spearman"])}
    return {"reached": False, "rho_latent": None, "spearman": None, "target_power": target}
