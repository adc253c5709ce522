"""Ranks with ties and with resampling weights, vectorised over many samples at once.

A bootstrap sample that draws image ``i`` ``w_i`` times is a weighted sample: every copy of
``i`` ties with the others, and its mid-rank in the resample is
``(weight of the values strictly below) + (w_group + 1) / 2``, where ``w_group`` is the total
weight of the values equal to it.  Computing mid-ranks this way from the weights gives exactly
the ranks that :func:`scipy.stats.rankdata` would give on the expanded resample, without
materialising it.
"""
from __future__ import annotations

import numpy as np

__all__ = ["chunk_rows", "midranks", "weighted_midranks", "weighted_pearson_rows"]


def midranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties get their mean rank) of a 1-D array, as ``scipy.stats.rankdata``."""
    from scipy.stats import rankdata

    return rankdata(np.asarray(x, dtype=float))


def chunk_rows(n_cols: int, budget: int = 2_000_000) -> int:
    """How many rows of ``n_cols`` values to process at once to keep temporaries near ``budget``."""
    return max(1, int(budget // max(1, n_cols)))


def weighted_midranks(values: np.ndarray, weights: np.ndarray, hint: np.ndarray | None = None) -> np.ndarray:
    """Mid-ranks of ``values`` in the weighted samples given by the rows of ``weights``.

    ``values`` is (N,) (the same values in every sample: sorted once) or (B, N); ``weights`` is
    (B, N) non-negative (bootstrap counts, or 0/1 masks).  Returns (B, N) float mid-ranks: the rank
    that each value would get in a sample holding ``weights[b, i]`` copies of value ``i``.
    Entries with zero weight get a rank too but do not affect anyone else's.

    ``hint`` (2-D values only): an (N,) ordering that sorts the rows approximately (e.g. the
    order of the unresampled values); rows are then sorted from that order with a stable
    (Timsort) sort, which is much faster on nearly sorted data.  The result is the same.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise ValueError("weights must be (B, N)")
    v = np.asarray(values, dtype=float)
    B, N = w.shape
    if v.ndim == 1:
        order = np.argsort(v, kind="stable")
        sv = v[order]
        new = np.empty(N, dtype=bool)
        new[:1] = True
        new[1:] = sv[1:] != sv[:-1]
        starts = np.flatnonzero(new)
        ends = np.r_[starts[1:] - 1, N - 1]
        gid = np.cumsum(new) - 1
        cw = np.cumsum(w[:, order], axis=1)
        end_cw = cw[:, ends]
        start_excl = np.zeros_like(end_cw)
        start_excl[:, 1:] = end_cw[:, :-1]
        rank_g = start_excl + (end_cw - start_excl + 1.0) / 2.0
        out = np.empty((B, N))
        out[:, order] = rank_g[:, gid]
        return out
    if v.shape != w.shape:
        raise ValueError("values must be (N,) or the same shape as weights")
    if hint is None:
        order = np.argsort(v, axis=1, kind="stable")
    else:
        hint = np.asarray(hint, dtype=np.intp)
        order = hint[np.argsort(v[:, hint], axis=1, kind="stable")]
    sv = np.take_along_axis(v, order, axis=1)
    sw = np.take_along_axis(w, order, axis=1)
    cw = np.cumsum(sw, axis=1)
    cw_excl = cw - sw
    new = np.ones((B, N), dtype=bool)
    new[:, 1:] = sv[:, 1:] != sv[:, :-1]
    if new.all():  # no ties: the common case
        rank_s = cw_excl + (sw + 1.0) / 2.0
    else:
        is_end = np.ones((B, N), dtype=bool)
        is_end[:, :-1] = new[:, 1:]
        lower = np.where(new, cw_excl, 0.0)
        np.maximum.accumulate(lower, axis=1, out=lower)
        upper = np.where(is_end, cw, np.inf)
        upper = np.minimum.accumulate(upper[:, ::-1], axis=1)[:, ::-1]
        rank_s = lower + (upper - lower + 1.0) / 2.0
    out = np.empty((B, N))
    np.put_along_axis(out, order, rank_s, axis=1)
    return out


def weighted_pearson_rows(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row-wise weighted Pearson correlation of (B, N) ``a`` and ``b`` (``a`` may be (N,)) with weights (B, N)."""
    w = np.asarray(w, dtype=float)
    sw = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = (w * a).sum(axis=1, keepdims=True) / sw
        mb = (w * b).sum(axis=1, keepdims=True) / sw
        da = a - ma
        db = b - mb
        wda = w * da
        cov = (wda * db).sum(axis=1)
        va = (wda * da).sum(axis=1)
        vb = (w * db * db).sum(axis=1)
        r = cov / np.sqrt(va * vb)
    return np.clip(r, -1.0, 1.0)
