"""Paired comparisons of two predictors of one human measure, on the same resamples.

For the model's time ``x``, a baseline ``z`` (e.g. the network's step-1 uncertainty) and the human
measure ``y``: the Spearman correlation of each with ``y``, their difference
``rho(x, y) - rho(z, y)`` and the partial Spearman correlation of ``x`` with ``y`` given ``z``,

    rho(x, y | z) = (r_xy - r_xz r_zy) / sqrt((1 - r_xz^2)(1 - r_zy^2)),

with ``r`` the Pearson correlations of the mid-ranks (the usual partial Spearman).  In a bootstrap
resample (weights ``w``) every quantity is recomputed from the resample's own mid-ranks, so the
difference and the partial are paired: both correlations come from the same resampled images
(and subjects).  Also: percentile-bootstrap p-values of a difference, and Holm's adjustment.
"""
from __future__ import annotations

import numpy as np

from neurogrow.stats.ranks import midranks, weighted_midranks, weighted_pearson_rows

__all__ = ["bootstrap_pvalue", "holm", "paired_rows", "partial_from_correlations", "partial_spearman_given"]


def partial_from_correlations(r_xy, r_xz, r_zy):
    """Partial correlation of x and y given z from the three pairwise correlations."""
    r_xy, r_xz, r_zy = (np.asarray(v, dtype=float) for v in (r_xy, r_xz, r_zy))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (r_xy - r_xz * r_zy) / np.sqrt((1.0 - r_xz**2) * (1.0 - r_zy**2))
    out = np.clip(out, -1.0, 1.0)
    return out if out.ndim else float(out)


def partial_spearman_given(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """Partial Spearman correlation of ``x`` and ``y`` given a continuous ``z``."""
    rx, ry, rz = midranks(x), midranks(y), midranks(z)
    r = [np.corrcoef(a, b)[0, 1] for a, b in ((rx, ry), (rx, rz), (rz, ry))]
    return partial_from_correlations(*r)


def paired_rows(rank_x: np.ndarray, rank_y: np.ndarray, z: np.ndarray, w: np.ndarray, r_xy: np.ndarray | None = None) -> dict:
    """Per resample (rows of ``w``): ``spearman`` of z with y, ``difference`` rho(x,y) - rho(z,y), ``partial``.

    ``rank_x``, ``rank_y``: (B, N) weighted mid-ranks of x and y in the resamples; ``z`` (N,) raw
    values; ``r_xy``: the rows' rho(x, y) if already computed.
    """
    rank_z = weighted_midranks(z, w)
    if r_xy is None:
        r_xy = weighted_pearson_rows(rank_x, rank_y, w)
    r_zy = weighted_pearson_rows(rank_z, rank_y, w)
    r_xz = weighted_pearson_rows(rank_x, rank_z, w)
    return {"spearman": r_zy, "difference": r_xy - r_zy, "partial": partial_from_correlations(r_xy, r_xz, r_zy)}


def bootstrap_pvalue(samples: np.ndarray) -> float | None:
    """Two-sided percentile-bootstrap p-value of ``samples`` against 0.

    ``min(1, 2 min((1 + #{s <= 0}) / (1 + B), (1 + #{s >= 0}) / (1 + B)))`` over the B finite
    samples: the smallest two-sided level at which the percentile interval excludes 0.
    """
    s = np.asarray(samples, dtype=float)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return None
    b = s.size
    lo = (1 + np.count_nonzero(s <= 0)) / (1 + b)
    hi = (1 + np.count_nonzero(s >= 0)) / (1 + b)
    return float(min(1.0, 2.0 * min(lo, hi)))


def holm(pvalues) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (None entries are left out and stay None)."""
    p = [None if v is None or not np.isfinite(v) else float(v) for v in pvalues]
    finite = {i: v for i, v in enumerate(p) if v is not None}
    order = sorted(finite, key=lambda i: finite[i])
    m = len(order)
    out: list[float | None] = [None] * len(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * finite[i]))
        out[i] = running
    return out
