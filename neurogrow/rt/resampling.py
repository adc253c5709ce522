"""The bootstrap passes of compare-rt: every statistic of a resample computed on the same draw.

:func:`image_resamples` resamples images (``Options.n_boot`` multinomial draws of N images);
:func:`two_level_resamples` resamples subjects and, independently, images, and recomputes each
image's human measure from the drawn subjects.  In each resample the same weights give E[t]'s
Spearman and Pearson correlations, every baseline's Spearman, the paired difference
rho(E[t]) - rho(baseline), the partial Spearman of E[t] given the baseline
(:mod:`neurogrow.stats.paired`) and, two-level, both within-category correlations
(:mod:`neurogrow.stats.partial`).  Keys of the returned dict: ``spearman``, ``pearson``,
``<baseline>/spearman|difference|partial`` and ``within/<method>``.
"""
from __future__ import annotations

import numpy as np

from neurogrow.rt.human_measures import Trials

__all__ = ["image_resamples", "two_level_resamples"]


def _all_statistics(x, y, w, baselines: dict, codes, hint_y=None, within_hints: dict | None = None) -> dict:
    """Statistics of the resamples ``w`` (B, N); ``y`` is (N,) or (B, N)."""
    from neurogrow.stats.paired import paired_rows
    from neurogrow.stats.partial import WITHIN_METHODS, within_rows
    from neurogrow.stats.ranks import weighted_midranks, weighted_pearson_rows

    rank_x = weighted_midranks(x, w)
    rank_y = weighted_midranks(y, w, hint_y if np.ndim(y) == 2 else None)
    out = {"spearman": weighted_pearson_rows(rank_x, rank_y, w), "pearson": weighted_pearson_rows(np.asarray(x, float), y, w)}
    for name, z in baselines.items():
        for key, values in paired_rows(rank_x, rank_y, z, w, out["spearman"]).items():
            out[f"{name}/{key}"] = values
    if within_hints is not None and codes is not None:
        for method in WITHIN_METHODS:
            hx, hy = within_hints[method]
            out[f"within/{method}"] = within_rows(x, y, codes, w, method, hx, hy)
    return out


def image_resamples(x: np.ndarray, y: np.ndarray, baselines: dict, n_boot: int, rng) -> dict:
    """Resampling images: E[t]'s correlations and the paired baseline statistics."""
    from neurogrow.stats import image_bootstrap

    return image_bootstrap(lambda w: _all_statistics(x, y, w, baselines, None), len(x), n_boot, rng)


def two_level_resamples(x: np.ndarray, y: np.ndarray, trials: Trials | None, baselines: dict, codes, n_boot: int, rng) -> dict | None:
    """Resampling subjects, then images (per-trial data of >= 2 subjects; else None)."""
    from neurogrow.stats import residualize, two_level_bootstrap

    if trials is None or trials.n_subjects < 2:
        return None
    table = trials.table
    hint_y = np.argsort(y, kind="stable")
    within_hints = None
    if codes is not None:
        within_hints = {
            "mean_removed": (np.argsort(residualize(x, codes), kind="stable"), np.argsort(residualize(y, codes), kind="stable")),
            "rank_residual": (None, hint_y),
        }

    def statistic(v: np.ndarray, w: np.ndarray) -> dict:
        yb = table.image_measure(v.T).T
        ok = np.isfinite(yb)
        w = np.where(ok, w, 0.0)
        yb = np.where(ok, yb, 0.0)
        return _all_statistics(x, yb, w, baselines, codes, hint_y, within_hints)

    return two_level_bootstrap(statistic, trials.n_subjects, len(x), n_boot, rng)
