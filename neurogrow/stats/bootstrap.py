"""Bootstrap resampling as weights: images (one level) or subjects and images (two levels).

A bootstrap sample of N items is represented by its multinomial counts (how many times each item
was drawn), so that statistics are weighted sums and matrix products over a (B, N) matrix of
counts instead of copies of the data.  Samples are produced in chunks of rows to bound memory.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np

from neurogrow.stats.ranks import chunk_rows

#: What a bootstrapped statistic returns: (b,) values, or a dict of them.
StatT = TypeVar("StatT", np.ndarray, dict[str, np.ndarray])

__all__ = [
    "centred_resamples",
    "image_bootstrap",
    "iter_counts",
    "multinomial_counts",
    "percentile_ci",
    "two_level_bootstrap",
]


def multinomial_counts(rng: np.random.Generator, rows: int, n: int) -> np.ndarray:
    """(rows, n) float counts of ``rows`` bootstrap samples of size ``n`` drawn from ``n`` items."""
    idx = rng.integers(0, n, size=(rows, n))
    idx += (np.arange(rows) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n).astype(float)


def iter_counts(rng: np.random.Generator, n_boot: int, n: int, chunk: int | None = None) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield ``(rows, counts)`` chunks that together make ``n_boot`` bootstrap samples of ``n`` items."""
    chunk = chunk or chunk_rows(n)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        yield slice(start, stop), multinomial_counts(rng, stop - start, n)


def percentile_ci(samples: np.ndarray, level: float = 0.95) -> list[float | None]:
    """Percentile interval of the finite values in ``samples`` (``[None, None]`` if there are none)."""
    s = np.asarray(samples, dtype=float)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return [None, None]
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(s, [alpha, 1.0 - alpha])
    return [float(lo), float(hi)]


#: Largest |r| mapped by Fisher's z in :func:`centred_resamples` (atanh(1) is infinite).
R_MAX = 1.0 - 1e-12


def centred_resamples(samples: np.ndarray, estimate: float, fisher: bool = True) -> np.ndarray:
    """Resamples shifted so that their median is ``estimate``: the two-level interval's distribution.

    Drawing subjects with replacement adds a second dose of subject noise to every resampled
    per-image measure, so every resampled correlation is attenuated towards 0 and a percentile
    interval of the raw resamples sits beside the estimate.  The resamples keep their spread (the
    uncertainty from sampling subjects and images) and are moved, on Fisher's z scale for a
    correlation (``fisher``; ``atanh``, shift, ``tanh``: the result stays in [-1, 1]) or on the
    raw scale for a difference of correlations, so that their median is the estimate.
    Non-finite resamples stay non-finite; with no finite resample or a non-finite estimate every
    value is NaN.
    """
    s = np.asarray(samples, dtype=float)
    ok = np.isfinite(s)
    if not ok.any() or estimate is None or not np.isfinite(estimate):
        return np.full(s.shape, np.nan)
    if not fisher:
        return s + (float(estimate) - float(np.median(s[ok])))
    z = np.arctanh(np.clip(s, -R_MAX, R_MAX))
    shift = float(np.arctanh(np.clip(estimate, -R_MAX, R_MAX))) - float(np.median(z[ok]))
    return np.tanh(z + shift)


def image_bootstrap(
    stat: Callable[[np.ndarray], StatT],
    n_items: int,
    n_boot: int,
    rng: np.random.Generator,
    chunk: int | None = None,
) -> StatT:
    """Evaluate ``stat(weights)`` on ``n_boot`` resamples of ``n_items`` items.

    ``stat`` receives a (b, n_items) matrix of counts and returns (b,) values (or a dict of them).
    """
    out: dict[str, np.ndarray] | np.ndarray | None = None
    for rows, w in iter_counts(rng, n_boot, n_items, chunk):
        out = _store(out, stat(w), rows, n_boot)
    assert out is not None
    return out  # type: ignore[return-value]  # _store keeps the kind of stat's value


def two_level_bootstrap(
    stat: Callable[[np.ndarray, np.ndarray], StatT],
    n_subjects: int,
    n_items: int,
    n_boot: int,
    rng: np.random.Generator,
    chunk: int | None = None,
) -> StatT:
    """Evaluate ``stat(subject_weights, item_weights)`` on ``n_boot`` two-level resamples.

    Each sample draws subjects with replacement (``subject_weights``: (b, n_subjects) counts) and,
    independently, items with replacement (``item_weights``: (b, n_items) counts).
    """
    out: dict[str, np.ndarray] | np.ndarray | None = None
    chunk = chunk or chunk_rows(n_items)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        v = multinomial_counts(rng, stop - start, n_subjects)
        w = multinomial_counts(rng, stop - start, n_items)
        out = _store(out, stat(v, w), slice(start, stop), n_boot)
    assert out is not None
    return out  # type: ignore[return-value]  # _store keeps the kind of stat's value


def _store(out, res, rows, n_boot: int):
    """Put a chunk's values (an array, or a dict of arrays) into rows ``rows`` of the result."""
    if isinstance(res, dict):
        if out is None:
            out = {k: np.full(n_boot, np.nan) for k in res}
        for k, v in res.items():
            out[k][rows] = v
    else:
        if out is None:
            out = np.full(n_boot, np.nan)
        out[rows] = res
    return out
