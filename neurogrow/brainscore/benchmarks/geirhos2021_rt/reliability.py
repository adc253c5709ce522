"""Per-image human reaction times of a Geirhos2021 assembly, their split-half ceiling and a bootstrap error.

Needs only numpy and scipy. The trials are a ``BehavioralAssembly`` as Brain-Score's data plugin
``Geirhos2021_edge`` / ``Geirhos2021_silhouette`` gives it: one ``presentation`` per trial with the
coordinates ``stimulus_id``, ``subject`` and ``response_time`` (s; NaN for a trial without a
response).

- :class:`TrialTable`: the log RT of every trial with a response, summed and counted per image and
  subject (an images x subjects matrix each);
- :func:`split_half_ceiling`: the Spearman correlation between the mean log RT per image of two
  halves of the subjects, Spearman-Brown corrected, averaged over all distinct 5 + 5 splits of the
  10 subjects (126); its ``error`` is the standard deviation over the splits;
- :func:`bootstrap_spearman`: the Spearman correlation of model RTs with the human mean log RT,
  resampled over subjects and images together (subjects with replacement: the human RT of each
  image is recomputed from the drawn subjects; images with replacement: the correlation is over
  the drawn images); its standard deviation is the score's ``error``.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

__all__ = ["MAX_SPLITS", "N_BOOTSTRAP", "TrialTable", "bootstrap_spearman", "split_half_ceiling"]

#: Bootstrap samples (subjects x images) for the score's error.
N_BOOTSTRAP = 1000
#: At most this many subject splits (10 subjects have 126 distinct ones: all of them are used).
MAX_SPLITS = 1000


@dataclass
class TrialTable:
    """Summed log RT (``total``) and number of trials with a response (``count``), images x subjects."""

    stimulus_ids: np.ndarray
    subjects: np.ndarray
    total: np.ndarray
    count: np.ndarray

    @classmethod
    def from_assembly(cls, assembly) -> TrialTable:
        rt = np.asarray(assembly["response_time"].values, dtype=float)
        sid = np.asarray(assembly["stimulus_id"].values).astype(str)
        subject = np.asarray(assembly["subject"].values).astype(str)
        stimulus_ids, image = np.unique(sid, return_inverse=True)
        subjects, who = np.unique(subject, return_inverse=True)
        ok = np.isfinite(rt) & (rt > 0)
        total = np.zeros((len(stimulus_ids), len(subjects)))
        count = np.zeros_like(total)
        np.add.at(total, (image[ok], who[ok]), np.log(rt[ok]))
        np.add.at(count, (image[ok], who[ok]), 1.0)
        return cls(stimulus_ids, subjects, total, count)

    def mean_log_rt(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Mean log RT per image over the trials of the subjects weighted by ``weights`` (subjects,) or (subjects, k)."""
        w = np.ones(len(self.subjects)) if weights is None else np.asarray(weights, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.total @ w) / (self.count @ w)

    def trials_per_image(self) -> np.ndarray:
        return self.count.sum(axis=1)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return float("nan")
    return float(spearmanr(x[ok], y[ok])[0])


def subject_splits(n_subjects: int, max_splits: int = MAX_SPLITS, seed: int = 0) -> np.ndarray:
    """(n_subjects, k) 0/1 matrix, column j marking half A of split j: every distinct split when there are few enough."""
    if n_subjects < 2:
        raise ValueError(f"{n_subjects} subject(s); a split-half ceiling needs at least 2")
    half = n_subjects // 2
    n_distinct = math.comb(n_subjects, half) // (2 if n_subjects % 2 == 0 else 1)
    if n_distinct <= max_splits:
        combos = [c for c in itertools.combinations(range(n_subjects), half) if n_subjects % 2 or c[0] == 0]
    else:
        rng = np.random.default_rng(seed)
        combos = [tuple(rng.permutation(n_subjects)[:half]) for _ in range(max_splits)]
    h = np.zeros((n_subjects, len(combos)))
    for j, combo in enumerate(combos):
        h[list(combo), j] = 1.0
    return h


def split_half_ceiling(table: TrialTable) -> tuple[float, float, int]:
    """(mean Spearman-Brown corrected split-half reliability, its SD over splits, number of splits)."""
    h = subject_splits(len(table.subjects))
    a = table.mean_log_rt(h)
    b = table.mean_log_rt(1.0 - h)
    r = np.array([_spearman(a[:, j], b[:, j]) for j in range(h.shape[1])])
    corrected = 2 * r / (1 + r)
    corrected = corrected[np.isfinite(corrected)]
    if not corrected.size:
        return float("nan"), float("nan"), h.shape[1]
    return float(corrected.mean()), float(corrected.std(ddof=1)) if corrected.size > 1 else 0.0, h.shape[1]


def bootstrap_spearman(model_rt: np.ndarray, table: TrialTable, n_boot: int = N_BOOTSTRAP, seed: int = 0) -> np.ndarray:
    """Spearman of ``model_rt`` (aligned to ``table.stimulus_ids``) with the human mean log RT, over subject x image resamples."""
    model_rt = np.asarray(model_rt, dtype=float)
    n_img, n_subj = table.total.shape
    rng = np.random.default_rng(seed)
    subject_draws = rng.integers(0, n_subj, size=(n_boot, n_subj))
    weights = np.stack([np.bincount(d, minlength=n_subj) for d in subject_draws], axis=1).astype(float)  # (n_subj, n_boot)
    human = table.mean_log_rt(weights)  # (n_img, n_boot)
    images = rng.integers(0, n_img, size=(n_boot, n_img))
    return np.array([_spearman(model_rt[images[b]], human[images[b], b]) for b in range(n_boot)])
