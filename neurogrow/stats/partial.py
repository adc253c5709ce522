"""Correlation within category: partial Spearman controlling a categorical variable.

Two definitions (our choice, documented in ``docs/compare_rt.md``).  *Mean-removed* (the
default): each variable is *residualised on category* by subtracting the mean of its category
(the residual of a regression on category indicators), and the partial Spearman correlation is
the Spearman correlation of the two residual vectors.  *Rank-residual*: each variable is ranked
over all items, its category's mean rank is subtracted, and the partial correlation is the
Pearson correlation of these rank residuals (the textbook partial Spearman given category
indicators).  The within-category noise ceiling uses the same
definition (see :mod:`neurogrow.stats.noise_ceiling`), so model and ceiling are comparable.
On the Geirhos et al. (2019) data this reproduces the within-category reliabilities of
SCIENCE.md (0.28 edges, 0.45 silhouettes).

In bootstrap samples the category means are weighted by the resampling counts, as they would be
in the expanded resample.
"""
from __future__ import annotations

import numpy as np

from neurogrow.stats.bootstrap import image_bootstrap
from neurogrow.stats.correlation import permutation_pvalue, spearman, weighted_correlation

__all__ = [
    "WITHIN_METHODS",
    "bootstrap_partial",
    "group_codes",
    "partial_permutation_pvalue",
    "partial_spearman",
    "partial_spearman_rank",
    "rank_residual_permutation_pvalue",
    "rank_residuals",
    "residualize",
    "within_rows",
]


def group_codes(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..C-1 and the C unique group labels."""
    uniq, codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    return codes.astype(np.intp), uniq


def residualize(x: np.ndarray, codes: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Subtract the (weighted) mean of each group from ``x`` ((N,) or (B, N); ``weights`` (B, N)).

    Entries with zero weight (or NaN values) do not enter the means; NaN stays NaN.
    """
    x = np.asarray(x, dtype=float)
    codes = np.asarray(codes, dtype=np.intp)
    n_groups = int(codes.max()) + 1 if codes.size else 0
    if weights is None and x.ndim == 1:
        ok = np.isfinite(x)
        sums = np.bincount(codes[ok], weights=x[ok], minlength=n_groups)
        cnt: np.ndarray = np.bincount(codes[ok], minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / cnt
        return x - means[codes]
    x2 = np.atleast_2d(x)
    w = np.ones_like(x2, dtype=float) if weights is None else np.asarray(weights, dtype=float)
    w = np.where(np.isfinite(x2), w, 0.0)
    xz = np.where(w > 0, x2, 0.0)
    onehot = np.zeros((codes.size, n_groups))
    onehot[np.arange(codes.size), codes] = 1.0
    sums = (w * xz) @ onehot
    cnt = w @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / cnt
    return x2 - means[:, codes]


def partial_spearman(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """Spearman correlation of ``x`` and ``y`` after removing each group's mean from both."""
    codes, _ = group_codes(groups)
    return spearman(residualize(x, codes), residualize(y, codes))


def bootstrap_partial(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap distribution (over items) of :func:`partial_spearman`."""
    codes, _ = group_codes(groups)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)

    hx = np.argsort(residualize(x, codes), kind="stable")
    hy = np.argsort(residualize(y, codes), kind="stable")

    def stat(w: np.ndarray) -> np.ndarray:
        return weighted_correlation(residualize(x, codes, w), residualize(y, codes, w), w, "spearman", hx, hy)

    return image_bootstrap(stat, len(x), n_boot, rng)


def partial_permutation_pvalue(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, n_perm: int, rng: np.random.Generator
) -> float:
    """Permutation p-value of :func:`partial_spearman`, shuffling ``y`` within groups."""
    codes, _ = group_codes(groups)
    return permutation_pvalue(residualize(x, codes), residualize(y, codes), n_perm, rng, "spearman", groups=codes)


#: The two definitions of "within category" (``docs/compare_rt.md``).
WITHIN_METHODS = ("mean_removed", "rank_residual")


def rank_residuals(x: np.ndarray, codes: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Mid-ranks of ``x`` over all items minus their category's mean rank (the rank-residual method).

    With ``weights`` (B, N) the ranks and means are those of each weighted resample.
    """
    from neurogrow.stats.ranks import midranks, weighted_midranks

    if weights is None:
        return residualize(midranks(x), codes)
    return residualize(weighted_midranks(x, weights), codes, weights)


def partial_spearman_rank(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """Rank-residual partial Spearman: Pearson of the category-centred mid-ranks of ``x`` and ``y``
    (the partial Spearman correlation controlling category indicators)."""
    from neurogrow.stats.correlation import pearson

    codes, _ = group_codes(groups)
    return pearson(rank_residuals(x, codes), rank_residuals(y, codes))


def _centred(v, codes: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``v`` centred on its weighted category means (:func:`residualize`), 0 where the weight is 0.

    A category with no weight in a resample (no image of it drawn) has no mean, so its residuals
    are NaN; they carry no weight either, and are set to 0 so that they enter no sum.
    """
    return np.where(w > 0, residualize(v, codes, w), 0.0)


def within_rows(x, y, codes: np.ndarray, w: np.ndarray, method: str, hint_x=None, hint_y=None) -> np.ndarray:
    """Per resample (rows of ``w``), the within-category correlation of ``x`` and ``y`` by ``method``.

    ``y`` may be (B, N) (a per-resample human measure); entries with zero weight are ignored.
    """
    from neurogrow.stats.ranks import weighted_pearson_rows

    if method == "mean_removed":
        return weighted_correlation(_centred(x, codes, w), _centred(y, codes, w), w, "spearman", hint_x, hint_y)
    if method == "rank_residual":
        from neurogrow.stats.ranks import weighted_midranks

        rx = weighted_midranks(x, w, hint_x if np.ndim(x) == 2 else None)
        ry = weighted_midranks(y, w, hint_y if np.ndim(y) == 2 else None)
        return weighted_pearson_rows(_centred(rx, codes, w), _centred(ry, codes, w), w)
    raise ValueError(f"unknown within-category method {method!r}")


def rank_residual_permutation_pvalue(x: np.ndarray, y: np.ndarray, groups: np.ndarray, n_perm: int, rng: np.random.Generator) -> float:
    """Permutation p-value of :func:`partial_spearman_rank`, shuffling ``y`` within groups."""
    codes, _ = group_codes(groups)
    return permutation_pvalue(rank_residuals(x, codes), rank_residuals(y, codes), n_perm, rng, "pearson", groups=codes)
