"""Split-half noise ceiling of a per-image human measure, Spearman-Brown corrected.

Per-trial data: the subjects are split at random into two halves (sizes floor(S/2) and
ceil(S/2)); the per-image measure is computed in each half; the Spearman correlation of the two
halves over images (images measured in both halves) is corrected with Spearman-Brown,
``2 r / (1 + r)``, and the corrected values are averaged over ``n_splits`` random splits.
Counts data (CIFAR-10H): each image's responses are split at random into two halves instead.
Where accuracy is relative to the plurality response (no labels), each half's accuracy is relative
to that half's own plurality (``plurality=True``): a reference taken from all responses would
tie the two halves together and bias the ceiling (to about -0.6 for images that do not differ).

Within category: before correlating, each half's per-image values have their category's mean
removed (``mean_removed``: Spearman of the residuals), or are ranked and have their category's
mean rank removed (``rank_residual``: Pearson of the rank residuals); see
:mod:`neurogrow.stats.partial`.

Uncertainty: ``ci95`` is a percentile bootstrap over images, where the bootstrap samples are
spread evenly over the splits (sample ``b`` uses split ``floor(b * n_splits / n_boot)``), so it includes both image sampling and split-to-split variability;
``sd`` and ``range95`` describe the spread of the corrected value over the random splits alone.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from neurogrow.stats.aggregate import TrialTable
from neurogrow.stats.bootstrap import iter_counts, percentile_ci
from neurogrow.stats.correlation import weighted_correlation
from neurogrow.stats.partial import residualize, within_rows
from neurogrow.stats.ranks import chunk_rows

__all__ = [
    "NoiseCeiling",
    "ceiling_from_halves",
    "counts_measure",
    "spearman_brown",
    "split_half_counts",
    "split_half_trials",
    "subject_splits",
]


def spearman_brown(r: np.ndarray | float, factor: float = 2.0) -> np.ndarray | float:
    """Spearman-Brown prophecy: reliability of a measure ``factor`` times longer."""
    r = np.asarray(r, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = factor * r / (1.0 + (factor - 1.0) * r)
    return out if out.ndim else float(out)


@dataclass
class NoiseCeiling:
    """Result of a split-half reliability analysis."""

    spearman_brown: float
    r_half: float
    split_values: np.ndarray = field(repr=False)
    ci95: list
    sd: float
    range95: list
    n_splits: int
    unit: str = "subjects"

    def to_dict(self) -> dict:
        return {
            "spearman_brown": self.spearman_brown,
            "ci95": self.ci95,
            "sd": self.sd,
            "range95": self.range95,
            "r_half": self.r_half,
            "n_splits": self.n_splits,
            "split_unit": self.unit,
        }


#: Enumerate the distinct subject splits when there are at most this many.
MAX_ENUMERATED_SPLITS = 20_000


def n_distinct_splits(n_subjects: int) -> int:
    """Number of distinct ways to split ``n_subjects`` into halves of floor/ceil size (unordered)."""
    n = math.comb(n_subjects, n_subjects // 2)
    return n // 2 if n_subjects % 2 == 0 else n


def subject_splits(rng: np.random.Generator, n_subjects: int, n_splits: int) -> np.ndarray:
    """(n_subjects, k) 0/1 matrix: column j marks the subjects in half A of split j.

    With few subjects the distinct splits are enumerated and ``n_splits`` of them are drawn
    without replacement (all of them, and so k < n_splits, when there are fewer: the exact
    average); otherwise each split is an independent random half.
    """
    if n_subjects < 2:
        raise ValueError("a split-half needs at least 2 subjects")
    half = n_subjects // 2
    n_distinct = n_distinct_splits(n_subjects)
    if n_distinct <= MAX_ENUMERATED_SPLITS:
        combos: Iterable[tuple[int, ...]] = itertools.combinations(range(n_subjects), half)
        if n_subjects % 2 == 0:  # a split and its complement are the same split
            combos = (c for c in combos if c[0] == 0)
        all_splits = np.array(list(combos), dtype=np.intp)
        pick = np.sort(rng.choice(len(all_splits), size=min(n_splits, len(all_splits)), replace=False))
        h = np.zeros((n_subjects, len(pick)))
        h[all_splits[pick].T, np.arange(len(pick))[None, :]] = 1.0
        return h
    keys = rng.random((n_splits, n_subjects))
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    return (ranks < half).T.astype(float)


def split_half_trials(table: TrialTable, n_splits: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per-image measure in the two halves of ``n_splits`` random subject splits: two (n_splits, N)."""
    h = subject_splits(rng, table.n_subjects, n_splits)
    a = table.image_measure(h).T
    b = table.image_measure(1.0 - h).T
    return a, b


def counts_measure(counts: np.ndarray, ref: np.ndarray | None, measure: str) -> np.ndarray:
    """Per-image ``accuracy`` (share of responses equal to ``ref``) or ``entropy`` (bits) of (N, K) counts."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "accuracy":
            if ref is None:
                raise ValueError("accuracy needs the reference class of each image")
            return counts[np.arange(counts.shape[0]), np.asarray(ref, dtype=np.intp)] / n
        if measure == "entropy":
            p = counts / n[:, None]
            logp = np.log2(np.where(p > 0, p, 1.0))
            return -(p * logp).sum(axis=1) + 0.0
    raise ValueError(f"unknown counts measure {measure!r}")


def split_half_counts(
    counts: np.ndarray, ref: np.ndarray | None, measure: str, n_splits: int, rng: np.random.Generator, plurality: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Split each image's responses at random into two halves; per-half measure, two (n_splits, N).

    ``plurality``: the accuracy's reference class is the plurality response (no true labels), so
    each half is scored against its own plurality (``ref`` is not used): the share of the most
    frequent response in that half.  Scoring both halves against the plurality of all responses
    would make them dependent (a response that joins the plurality in one half helps make it the
    reference for the other), and the split-half correlation would be biased.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n_img, k = counts.shape
    per_img = counts.sum(axis=1)
    img = np.repeat(np.arange(n_img), per_img)
    cls = np.repeat(np.tile(np.arange(k), n_img), counts.ravel())
    start = np.concatenate([[0], np.cumsum(per_img)[:-1]])
    half = (per_img // 2)[img]
    pos_base = np.arange(img.size) - start[img]
    a = np.empty((n_splits, n_img))
    b = np.empty((n_splits, n_img))
    for j in range(n_splits):
        order = np.argsort(img + rng.random(img.size), kind="stable")
        in_a = pos_base < half  # position within the image's shuffled block
        cls_shuf = cls[order]
        ca = np.bincount(img[in_a] * k + cls_shuf[in_a], minlength=n_img * k).reshape(n_img, k)
        cb = counts - ca
        if plurality and measure == "accuracy":
            a[j] = counts_measure(ca, ca.argmax(axis=1), measure)
            b[j] = counts_measure(cb, cb.argmax(axis=1), measure)
        else:
            a[j] = counts_measure(ca, ref, measure)
            b[j] = counts_measure(cb, ref, measure)
    return a, b


def _half_corr(
    a: np.ndarray, b: np.ndarray, w: np.ndarray, codes: np.ndarray | None, same_halves: bool = False, within: str = "mean_removed"
) -> np.ndarray:
    """Row-wise Spearman between halves ``a`` and ``b`` (B, N) with weights ``w`` (B, N).

    ``same_halves``: every row holds the same pair of halves (one split, several resamples),
    which allows sorting them once.
    """
    ok = np.isfinite(a) & np.isfinite(b)
    w = np.where(ok, w, 0.0)
    a = np.where(ok, a, 0.0)
    b = np.where(ok, b, 0.0)
    if codes is None:
        if same_halves:
            return weighted_correlation(a[0], b[0], w, "spearman")
        return weighted_correlation(a, b, w, "spearman")
    ha = hb = None
    if same_halves and within == "mean_removed":  # sort orders of the centred halves, for speed only
        ha = np.argsort(residualize(a[0], codes, w[:1] > 0)[0], kind="stable")
        hb = np.argsort(residualize(b[0], codes, w[:1] > 0)[0], kind="stable")
    return within_rows(a, b, codes, w, within, ha, hb)


def ceiling_from_halves(
    a: np.ndarray,
    b: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    codes: np.ndarray | None = None,
    unit: str = "subjects",
    within: str = "mean_removed",
) -> NoiseCeiling:
    """Spearman-Brown corrected split-half ceiling from (n_splits, N) half measures ``a``, ``b``.

    With ``codes`` (integer category per image) each half is first residualised on category, by
    ``within`` (``mean_removed`` or ``rank_residual``, see :mod:`neurogrow.stats.partial`).
    """
    n_splits, n = a.shape
    r_half = np.empty(n_splits)
    chunk = chunk_rows(n)
    for s in range(0, n_splits, chunk):
        rows = slice(s, min(n_splits, s + chunk))
        r_half[rows] = _half_corr(a[rows], b[rows], np.ones_like(a[rows]), codes, within=within)
    sb = np.asarray(spearman_brown(r_half))
    boot = np.full(n_boot, np.nan)
    split_of = (np.arange(n_boot) * n_splits) // max(n_boot, 1)  # contiguous blocks of resamples per split
    for rows, w in iter_counts(rng, n_boot, n):
        split = split_of[rows]
        for s in np.unique(split):  # resamples that share a split share the sorting work
            sel = np.flatnonzero(split == s)
            k = sel.size
            r = _half_corr(np.broadcast_to(a[s], (k, n)), np.broadcast_to(b[s], (k, n)), w[sel], codes, same_halves=True, within=within)
            boot[rows.start + sel] = spearman_brown(r)
    finite = sb[np.isfinite(sb)]
    return NoiseCeiling(
        spearman_brown=float(finite.mean()) if finite.size else float("nan"),
        r_half=float(np.nanmean(r_half)) if np.isfinite(r_half).any() else float("nan"),
        split_values=sb,
        ci95=percentile_ci(boot),
        sd=float(finite.std(ddof=1)) if finite.size > 1 else float("nan"),
        range95=percentile_ci(sb),
        n_splits=n_splits,
        unit=unit,
    )
