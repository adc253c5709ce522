"""Spearman and Pearson correlations, their bootstrap distributions and permutation p-values.

All functions are vectorised: bootstrap samples are rows of a (B, N) matrix of multinomial
counts (see :mod:`neurogrow.stats.bootstrap`), ranks in a resample come from
:func:`neurogrow.stats.ranks.weighted_midranks`, and permutations are rows of a (B, N) index
matrix, processed in chunks.
"""
from __future__ import annotations

import numpy as np

from neurogrow.stats.bootstrap import image_bootstrap
from neurogrow.stats.ranks import chunk_rows, midranks, weighted_midranks, weighted_pearson_rows

__all__ = [
    "bootstrap_correlation",
    "group_permutations",
    "pearson",
    "permutation_pvalue",
    "spearman",
    "weighted_correlation",
]

METHODS = ("spearman", "pearson")


def _check(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("x and y must be 1-D arrays of the same length")
    return x, y


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation (equals ``scipy.stats.pearsonr(x, y)[0]``)."""
    x, y = _check(x, y)
    dx = x - x.mean()
    dy = y - y.mean()
    den = np.sqrt((dx @ dx) * (dy @ dy))
    if den == 0:
        return float("nan")
    return float(np.clip((dx @ dy) / den, -1.0, 1.0))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman correlation: Pearson of mid-ranks (equals ``scipy.stats.spearmanr(x, y)[0]``)."""
    x, y = _check(x, y)
    return pearson(midranks(x), midranks(y))


def weighted_correlation(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    method: str = "spearman",
    hint_x: np.ndarray | None = None,
    hint_y: np.ndarray | None = None,
) -> np.ndarray:
    """Row-wise correlation of ``x`` and ``y`` ((N,) or (B, N)) in the weighted samples ``w`` (B, N).

    ``hint_x``/``hint_y``: approximate sort orders of 2-D ``x``/``y`` rows (speed only; see
    :func:`~neurogrow.stats.ranks.weighted_midranks`).
    """
    if method == "spearman":
        rx = weighted_midranks(x, w, hint_x if np.ndim(x) == 2 else None)
        ry = weighted_midranks(y, w, hint_y if np.ndim(y) == 2 else None)
        return weighted_pearson_rows(rx, ry, w)
    if method == "pearson":
        return weighted_pearson_rows(np.asarray(x, float), np.asarray(y, float), w)
    raise ValueError(f"unknown correlation method {method!r}")


def bootstrap_correlation(
    x: np.ndarray,
    y: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    methods: tuple[str, ...] = METHODS,
) -> dict[str, np.ndarray]:
    """Bootstrap distributions over items (rows of x, y resampled with replacement), per method."""
    x, y = _check(x, y)

    def stat(w: np.ndarray) -> dict[str, np.ndarray]:
        return {m: weighted_correlation(x, y, w, m) for m in methods}

    return image_bootstrap(stat, len(x), n_boot, rng)


def group_permutations(rng: np.random.Generator, rows: int, groups: np.ndarray | None, n: int) -> np.ndarray:
    """(rows, n) index matrix; each row permutes 0..n-1, within each group if ``groups`` is given."""
    base = np.broadcast_to(np.arange(n), (rows, n))
    if groups is None:
        return rng.permuted(base, axis=1)
    out = np.empty((rows, n), dtype=np.intp)
    groups = np.asarray(groups)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        out[:, members] = rng.permuted(np.broadcast_to(members, (rows, members.size)), axis=1)
    return out


def permutation_pvalue(
    x: np.ndarray,
    y: np.ndarray,
    n_perm: int,
    rng: np.random.Generator,
    method: str = "spearman",
    groups: np.ndarray | None = None,
) -> float:
    """Two-sided permutation p-value of the correlation of ``x`` and ``y``.

    ``y`` is shuffled relative to ``x`` (within ``groups`` if given); the p-value is
    ``(1 + #{|r_perm| >= |r_obs|}) / (1 + n_perm)``.
    """
    x, y = _check(x, y)
    if method == "spearman":
        x, y = midranks(x), midranks(y)
    elif method != "pearson":
        raise ValueError(f"unknown correlation method {method!r}")
    dx = x - x.mean()
    dy = y - y.mean()
    den = np.sqrt((dx @ dx) * (dy @ dy))
    if den == 0 or n_perm <= 0:
        return float("nan")
    r_obs = abs(dx @ dy) / den
    tol = 1e-12 * max(1.0, r_obs)
    n = len(x)
    hits = 0
    chunk = chunk_rows(n)
    for start in range(0, n_perm, chunk):
        rows = min(chunk, n_perm - start)
        perm = group_permutations(rng, rows, groups, n)
        r = np.abs(dy[perm] @ dx) / den
        hits += int(np.count_nonzero(r >= r_obs - tol))
    return float((1 + hits) / (1 + n_perm))
