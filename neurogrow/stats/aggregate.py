"""Per-image human measures from per-trial data, for any weighting of subjects.

:class:`TrialTable` holds the valid trials (image index, subject index, value) and computes the
per-image measure (mean or median of the trial values) for many subject weightings at once:
weights 0/1 select a half of the subjects (split-half reliability), bootstrap counts resample
subjects (two-level bootstrap).  Means use a sparse (images x subjects) matrix product; medians
use one sort of the trials and a search of cumulative weights, so that a subject drawn k times
counts k times, exactly as in the expanded resample.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["TrialTable"]


@dataclass
class TrialTable:
    """Valid trials of a per-trial experiment, as integer codes and values.

    ``image`` and ``subject`` are integer codes (0..n_images-1, 0..n_subjects-1), ``value`` the
    per-trial value to aggregate (log RT, RT or correctness), ``aggregate`` is ``"mean"`` or
    ``"median"``.
    """

    image: np.ndarray
    subject: np.ndarray
    value: np.ndarray
    n_images: int
    n_subjects: int
    aggregate: str = "mean"
    _sum: sp.csr_matrix = field(init=False, repr=False)
    _cnt: sp.csr_matrix = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.image = np.asarray(self.image, dtype=np.intp)
        self.subject = np.asarray(self.subject, dtype=np.intp)
        self.value = np.asarray(self.value, dtype=float)
        if self.aggregate not in ("mean", "median"):
            raise ValueError("aggregate must be 'mean' or 'median'")
        shape = (self.n_images, self.n_subjects)
        self._sum = sp.csr_matrix((self.value, (self.image, self.subject)), shape=shape)
        self._cnt = sp.csr_matrix((np.ones_like(self.value), (self.image, self.subject)), shape=shape)
        if self.aggregate == "median":
            order = np.lexsort((self.value, self.image))
            self._s_img = self.image[order]
            self._s_subj = self.subject[order]
            self._s_val = self.value[order]
            self._img_start = np.searchsorted(self._s_img, np.arange(self.n_images), side="left")
            self._img_stop = np.searchsorted(self._s_img, np.arange(self.n_images), side="right")

    def image_measure(self, subject_weights: np.ndarray | None = None) -> np.ndarray:
        """Per-image measure for each column of ``subject_weights`` (n_subjects, k) -> (n_images, k).

        With no weights, every subject counts once and a (n_images,) vector is returned.  Images
        with no trial of a subject with positive weight get NaN.
        """
        if subject_weights is None:
            return self.image_measure(np.ones((self.n_subjects, 1)))[:, 0]
        v = np.asarray(subject_weights, dtype=float)
        if v.ndim == 1:
            v = v[:, None]
        if self.aggregate == "mean":
            s = self._sum @ v
            c = self._cnt @ v
            with np.errstate(invalid="ignore", divide="ignore"):
                out = s / c
            out[c == 0] = np.nan
            return np.asarray(out)
        return self._weighted_median(v)

    def _weighted_median(self, v: np.ndarray) -> np.ndarray:
        k = v.shape[1]
        out = np.full((self.n_images, k), np.nan)
        start = self._img_start
        for j in range(k):
            tw = v[self._s_subj, j]
            g = np.cumsum(tw)
            g_before = np.concatenate([[0.0], g])[start]
            total = np.concatenate([[0.0], g])[self._img_stop] - g_before
            ok = total > 0
            # positions k1 = floor((n+1)/2), k2 = floor(n/2)+1 of the expanded sorted sample
            k1 = np.floor((total + 1) / 2)
            k2 = np.floor(total / 2) + 1
            i1 = np.searchsorted(g, g_before + k1 - 0.5, side="left")
            i2 = np.searchsorted(g, g_before + k2 - 0.5, side="left")
            i1 = np.minimum(i1, len(g) - 1)
            i2 = np.minimum(i2, len(g) - 1)
            med = (self._s_val[i1] + self._s_val[i2]) / 2.0
            out[ok, j] = med[ok]
        return out

