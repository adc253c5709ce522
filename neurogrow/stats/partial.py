"""Correlation within category: partial Spearman controlling a categorical variable.

Definition used throughout neurogrow (our choice, documented in ``docs/compare_rt.md``): each
variable is *residualised on category* by subtracting the mean of its category (the residual of a
regression on category indicators), and the partial Spearman correlation is the Spearman
correlation of the two residual vectors.  The within-category noise ceiling uses the same
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

__all__ = ["bootstrap_partial", "group_codes", "partial_permutation_pvalue", "partial_spearman", "residualize"]


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
