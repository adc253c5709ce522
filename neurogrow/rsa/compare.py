"""Comparing model RDMs with human RDMs through rsatoolbox: similarity, bootstrap CIs, noise ceiling.

For each comparator (an rsatoolbox ``compare`` method), every model RDM is compared with each
human RDM (subject or response split) and the similarities are averaged, as rsatoolbox's model
evaluation does; the noise ceiling is rsatoolbox's ``boot_noise_ceiling`` of the human RDMs
(lower bound: each human RDM vs the mean of the others; upper bound: vs the mean of all).
Bootstrap distributions use rsatoolbox's inference samplers as its ``eval_bootstrap_pattern``
(classes resampled) and ``eval_bootstrap`` (subjects and classes resampled) do
(:func:`bootstrap_samples`).  All model RDMs are evaluated on the same bootstrap samples, so
differences between them (:func:`paired_difference`) have bootstrap CIs too.
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np

from neurogrow.errors import DataError, NeurogrowError

__all__ = [
    "BOOTSTRAP_OVER",
    "COMPARATORS",
    "Evaluation",
    "bootstrap_samples",
    "check_classes",
    "evaluate",
    "noise_ceiling",
    "paired_difference",
    "similarity",
]

#: rsatoolbox comparators offered, with their description in the report.
COMPARATORS = {
    "spearman": "Spearman rank correlation",
    "cosine_cov": "whitened cosine similarity (rsatoolbox cosine_cov)",
    "corr_cov": "whitened Pearson correlation (rsatoolbox corr_cov)",
    "corr": "Pearson correlation",
    "cosine": "cosine similarity",
    "kendall": "Kendall's tau-b",
    "tau-a": "Kendall's tau-a",
    "rho-a": "Spearman's rho-a",
}
#: What the bootstrap resamples: ``classes`` (as eval_bootstrap_pattern) or ``both`` (as eval_bootstrap).
BOOTSTRAP_OVER = ("classes", "both")


@dataclass
class Evaluation:
    """Similarities of M model RDMs to the human RDMs under one comparator.

    Attributes
    ----------
    method
        The rsatoolbox comparator.
    values
        (M,) mean similarity to the human RDMs (subjects or response splits).
    pooled
        (M,) similarity to the pooled human RDM.
    ci
        (M, 2) percentile 95 % bootstrap interval (NaN without bootstrap).
    ceiling
        (lower, upper) noise ceiling of the human RDMs.
    samples
        (n_boot, M) rsatoolbox bootstrap evaluations (empty without bootstrap).
    over
        What the bootstrap resampled (``classes`` or ``both``), or None.
    """

    method: str
    values: np.ndarray
    pooled: np.ndarray
    ci: np.ndarray
    ceiling: tuple[float, float]
    samples: np.ndarray
    over: str | None


def check_classes(model_rdms, human_rdms, what: str = "model RDMs") -> None:
    """The model and human RDMs must have the same classes in the same order."""
    m = [str(c) for c in model_rdms.pattern_descriptors["class"]]
    h = [str(c) for c in human_rdms.pattern_descriptors["class"]]
    if m != h:
        only_m = sorted(set(m) - set(h))
        only_h = sorted(set(h) - set(m))
        detail = []
        if only_m:
            detail.append(f"only in the {what}: {', '.join(only_m[:5])}{', ...' if len(only_m) > 5 else ''}")
        if only_h:
            detail.append(f"only in the human data: {', '.join(only_h[:5])}{', ...' if len(only_h) > 5 else ''}")
        raise DataError(
            f"mismatched class sets: the {what} have {len(m)} classes and the human RDMs {len(h)} "
            f"({'; '.join(detail) or 'same classes in another order'}); expected the same classes"
        )


def _check_method(method: str) -> None:
    if method not in COMPARATORS:
        raise NeurogrowError(f"--comparators: unknown comparator {method!r}; expected one of {', '.join(COMPARATORS)}")


def similarity(model_rdms, human_rdms, method: str) -> np.ndarray:
    """(M,) similarity of each model RDM to the human RDMs, averaged over the human RDMs.

    This is ``rsatoolbox.rdm.compare(model_rdms, human_rdms, method).mean(axis=1)``.
    """
    from rsatoolbox.rdm import compare

    _check_method(method)
    check_classes(model_rdms, human_rdms)
    return np.asarray(compare(model_rdms, human_rdms, method=method), dtype=float).mean(axis=1)


def noise_ceiling(human_rdms, method: str) -> tuple[float, float]:
    """(lower, upper) noise ceiling of the human RDMs: rsatoolbox's ``boot_noise_ceiling``."""
    from rsatoolbox.inference import boot_noise_ceiling

    _check_method(method)
    if human_rdms.n_rdm < 2:
        raise DataError(f"{human_rdms.n_rdm} human RDM; expected at least 2 (subjects or response splits) for a noise ceiling")
    lower, upper = boot_noise_ceiling(human_rdms, method=method, rdm_descriptor="index")
    return float(lower), float(upper)


@contextlib.contextmanager
def _seeded(seed: int):
    """rsatoolbox draws from NumPy's global random state: seed it here and restore it afterwards."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def bootstrap_samples(model_rdms, human_rdms, method: str, n_boot: int, over: str, progress: bool | None = None) -> np.ndarray:
    """(n_boot, M) bootstrap distribution of the similarity of each model RDM to the human RDMs.

    Each sample is drawn by rsatoolbox's ``bootstrap_sample_pattern`` (``over="classes"``) or
    ``bootstrap_sample`` (``over="both"``: subjects and classes), the model RDMs are subsampled
    to the same classes and compared with rsatoolbox's ``compare``, exactly as rsatoolbox's
    ``eval_bootstrap_pattern`` / ``eval_bootstrap`` do with fixed models and the same random
    state (samples with fewer than 3 distinct classes are NaN there and here; a constant RDM has
    similarity 0 by rsatoolbox's convention).  Differences: all M model RDMs are compared in one
    call, and no noise ceiling is computed per sample (rsatoolbox's ``corr_cov`` ceiling raises on
    samples where a human RDM is constant, as sparse per-subject confusions often are); the
    ceiling comes from the full data (:func:`noise_ceiling`).
    """
    from rsatoolbox.inference import bootstrap_sample, bootstrap_sample_pattern
    from rsatoolbox.rdm import compare

    from neurogrow.progress import progress as _progress

    out = np.full((n_boot, model_rdms.n_rdm), np.nan)
    for i in _progress(range(n_boot), desc=f"compare-rsa bootstrap ({method})", unit="sample", disable=progress is False):
        if over == "classes":
            sample, pattern_idx = bootstrap_sample_pattern(human_rdms, "index")
        else:
            sample, _, pattern_idx = bootstrap_sample(human_rdms, "index", "index")
        if len(np.unique(pattern_idx)) < 3:
            continue
        pred = model_rdms.subsample_pattern("index", pattern_idx)
        out[i] = np.asarray(compare(pred, sample, method=method), dtype=float).mean(axis=1)
    return out


def percentile_ci(samples: np.ndarray, level: float = 0.95) -> np.ndarray:
    """(M, 2) percentile interval of (n_boot, M) bootstrap samples, ignoring failed (NaN) samples."""
    if samples.size == 0:
        return np.full((samples.shape[1] if samples.ndim == 2 else 0, 2), np.nan)
    cut = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        return np.stack([np.nanquantile(samples, cut, axis=0), np.nanquantile(samples, 1 - cut, axis=0)], axis=1)


def evaluate(
    model_rdms, human, method: str, n_boot: int = 1000, over: str = "classes", seed: int = 0, progress: bool | None = None
) -> Evaluation:
    """Compare every model RDM with the human RDMs under one comparator.

    Parameters
    ----------
    model_rdms : rsatoolbox.rdm.RDMs
        M model RDMs with rdm descriptor ``name``; same classes as the human RDMs.
    human : neurogrow.rsa.human_rdms.HumanRDMs
        Human RDMs (per subject or response split) and the pooled RDM.
    method : str
        rsatoolbox comparator (see :data:`COMPARATORS`).
    n_boot : int
        Bootstrap samples (0: no bootstrap, no CIs).
    over : {"classes", "both"}
        Resample classes (``eval_bootstrap_pattern``) or subjects and classes (``eval_bootstrap``).
    seed : int
        Seed of NumPy's global random state, which rsatoolbox uses (restored afterwards).
    progress : bool, optional
        Progress over bootstrap samples (:mod:`neurogrow.progress`; False: none).

    Returns
    -------
    Evaluation
    """
    from rsatoolbox.rdm import compare

    if over not in BOOTSTRAP_OVER:
        raise NeurogrowError(f"bootstrap over {over!r}: expected one of {', '.join(BOOTSTRAP_OVER)}")
    if n_boot < 0:
        raise NeurogrowError(f"--n-boot {n_boot}: expected 0 (no bootstrap) or a positive number of samples")
    values = similarity(model_rdms, human.rdms, method)
    pooled = np.asarray(compare(model_rdms, human.pooled, method=method), dtype=float)[:, 0]
    ceiling = noise_ceiling(human.rdms, method)
    samples = np.empty((0, len(values)))
    if n_boot:
        with _seeded(seed):
            samples = bootstrap_samples(model_rdms, human.rdms, method, n_boot, over, progress)
    return Evaluation(
        method=method,
        values=values,
        pooled=pooled,
        ci=percentile_ci(samples) if n_boot else np.full((len(values), 2), np.nan),
        ceiling=ceiling,
        samples=samples,
        over=over if n_boot else None,
    )


def paired_difference(evaluation: Evaluation, a: list[int], b: list[int]) -> dict:
    """Mean similarity of model RDMs ``a`` minus that of ``b``, with a bootstrap CI and p-value.

    The difference is averaged over the pairs (``a[i]`` - ``b[i]``).  The CI is the percentile
    interval of the same difference over rsatoolbox's bootstrap samples; ``p_bootstrap`` is the
    two-sided bootstrap p-value as rsatoolbox's ``bootstrap_pair_tests`` computes it (twice the
    share of samples on the other side of zero, plus 1/n_boot).

    Returns
    -------
    dict
        ``difference``, ``ci95`` ([low, high] or [None, None]), ``p_bootstrap`` (or None),
        ``n_boot_valid``.
    """
    a_idx, b_idx = np.asarray(a), np.asarray(b)
    diff = float(np.mean(evaluation.values[a_idx] - evaluation.values[b_idx]))
    out = {"difference": diff, "ci95": [None, None], "p_bootstrap": None, "n_boot_valid": 0}
    if evaluation.samples.size:
        d = (evaluation.samples[:, a_idx] - evaluation.samples[:, b_idx]).mean(axis=1)
        d = d[np.isfinite(d)]
        if d.size:
            lo, hi = np.quantile(d, [0.025, 0.975])
            ties = np.sum(d == 0)
            frac = np.sum(d < 0) / max(1, d.size - ties)
            p = 2 * min(frac, 1 - frac)
            p = (d.size - 1) / d.size * p + 1 / d.size
            out.update(ci95=[float(lo), float(hi)], p_bootstrap=float(p), n_boot_valid=int(d.size))
    return out
