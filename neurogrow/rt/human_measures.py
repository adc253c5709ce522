"""Stage 3 of compare-rt: the human measure per image, and the per-trial table behind it.

:func:`resolve_measure` picks the measure for the data, :func:`image_measures` summarises the
trials (or counts) of each image, :func:`per_image_table` joins them with the matched model
times, and :func:`trial_table` gives the trials that enter the measure, coded for the
resampling statistics.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human import HumanData
from neurogrow.human.cifar10h import match_hint
from neurogrow.rt.model_times import match_stimuli
from neurogrow.rt.options import COUNT_MEASURES, MIN_IMAGES, TRIAL_MEASURES, Options

if TYPE_CHECKING:
    from neurogrow.stats import TrialTable

__all__ = ["Trials", "image_measures", "match_to_human", "per_image_table", "quantize", "resolve_measure", "trial_table"]


def resolve_measure(human: HumanData, options: Options) -> str:
    """The per-image human measure for these data and options."""
    measure = options.measure
    if human.trials is not None:
        trials = human.trials
        measure = measure or "mean_log_rt"
        if measure not in TRIAL_MEASURES:
            raise NeurogrowError(f"--measure {measure}: per-trial data support {', '.join(TRIAL_MEASURES)}")
        if options.correct_only:
            if measure == "accuracy":
                raise NeurogrowError("--measure accuracy with --correct-only: accuracy of correct trials only is always 1")
            if trials["correct"][trials["responded"]].isna().any():
                raise DataError(f"{human.source}: --correct-only needs correctness on every trial with a response; some are unknown")
        if measure == "accuracy" and trials["correct"][trials["responded"]].isna().any():
            raise DataError(f"{human.source}: --measure accuracy needs correctness on every trial with a response; some are unknown")
        return measure
    measure = measure or "entropy"
    if measure not in COUNT_MEASURES:
        raise NeurogrowError(f"--measure {measure}: {human.format} data have no RTs; use --measure entropy or accuracy")
    if options.correct_only:
        raise NeurogrowError(f"--correct-only: {human.format} data have no per-trial RTs")
    return measure


def image_measures(human: HumanData, stimuli: list[str], correct_only: bool = False) -> pd.DataFrame:
    """Per-image human summaries for ``stimuli`` (in that order).

    Per-trial data: ``n_trials``, ``n_responses``, ``n_used`` (responses entering the RT measures;
    correct ones with ``correct_only``), ``mean_log_rt``, ``median_rt`` (seconds), ``accuracy``
    (over responses with known correctness), ``category``.  Counts: ``n_responses``,
    ``accuracy``, ``entropy``, ``category``.
    """
    idx = pd.Index(stimuli, name="stimulus")
    if human.trials is None:
        assert human.images is not None  # counts data hold per-image rows
        img = human.images.set_index("stimulus").reindex(idx)
        return img.reset_index()
    t = human.trials[human.trials["stimulus"].isin(idx)]
    resp = t[t["responded"]]
    used = resp[resp["correct"].fillna(False).astype(bool)] if correct_only else resp
    g_all = t.groupby("stimulus")
    out = pd.DataFrame(index=idx)  # a Series assigned to a column is aligned on this index (NaN where absent)
    out["category"] = g_all["category"].first()
    out["n_trials"] = g_all.size().reindex(idx).fillna(0).astype(int)
    out["n_responses"] = resp.groupby("stimulus").size().reindex(idx).fillna(0).astype(int)
    out["n_used"] = used.groupby("stimulus").size().reindex(idx).fillna(0).astype(int)
    logrt = np.log(used["rt"].to_numpy(float))
    out["mean_log_rt"] = pd.Series(logrt, index=used.index).groupby(used["stimulus"]).mean()
    out["median_rt"] = used.groupby("stimulus")["rt"].median()
    known = resp.dropna(subset=["correct"])
    out["accuracy"] = known["correct"].astype(float).groupby(known["stimulus"]).mean()
    return out.reset_index()


def quantize(a: np.ndarray) -> np.ndarray:
    """Round to 12 significant digits, so that values re-read from per_image.csv by any CSV parser
    are exactly the values the statistics were computed from."""
    return np.array([float(format(v, ".12g")) for v in np.asarray(a, dtype=float)])


def match_to_human(model_times: pd.DataFrame, human: HumanData, options: Options) -> pd.DataFrame:
    """The model times matched to the human stimuli (:func:`~neurogrow.rt.model_times.match_stimuli`)."""
    hint = match_hint(human)
    return match_stimuli(model_times, human.stimuli, options.allow_unmatched, hint)


def per_image_table(matched: pd.DataFrame, human: HumanData, measure: str, options: Options) -> tuple[pd.DataFrame, list[str]]:
    """One row per matched image with a finite human measure, and the matched images without one.

    Columns: ``stimulus``, ``model_stimulus``, ``model_time``, ``category``, the image measures
    and ``human_measure`` (the chosen one); floats rounded by :func:`quantize`.
    """
    img = image_measures(human, matched["stimulus"].tolist(), options.correct_only)
    per_image = matched.merge(img, on="stimulus", how="left", suffixes=("", "_human"))
    if per_image["category"].isna().all() and "model_category" in per_image.columns:
        per_image["category"] = per_image["model_category"]
    per_image = per_image.drop(columns=[c for c in ("model_category",) if c in per_image.columns])
    per_image["human_measure"] = per_image[measure].to_numpy(float)
    excluded = per_image.loc[~np.isfinite(per_image["human_measure"]), "stimulus"].tolist()
    per_image = per_image[np.isfinite(per_image["human_measure"])].reset_index(drop=True)
    for col in per_image.columns:
        if per_image[col].dtype.kind == "f":
            per_image[col] = quantize(per_image[col].to_numpy())
    _check_variable(per_image, human, measure, options)
    return per_image, excluded


def _check_variable(per_image: pd.DataFrame, human: HumanData, measure: str, options: Options) -> None:
    """Enough images, and both variables not constant."""
    n = len(per_image)
    if n < MIN_IMAGES:
        raise DataError(
            f"{human.source}: only {n} matched stimuli have a human {measure}"
            f"{' from correct trials' if options.correct_only else ''}; expected at least {MIN_IMAGES}"
        )
    x = per_image["model_time"].to_numpy(float)
    y = per_image["human_measure"].to_numpy(float)
    if np.ptp(x) == 0:
        raise DataError(f"model times: all {n} matched stimuli have the same model time {x[0]:g}; correlations are undefined")
    if np.ptp(y) == 0:
        raise DataError(f"{human.source}: all {n} matched stimuli have the same human {measure}; correlations are undefined")


@dataclass
class Trials:
    """The trials entering the per-image measure: the frame and its codes for resampling."""

    used: pd.DataFrame  #: the trials (rows of ``HumanData.trials``) used
    table: TrialTable  #: image and subject codes, values, aggregate
    n_subjects: int


def trial_table(human: HumanData, per_image: pd.DataFrame, measure: str, options: Options) -> Trials | None:
    """The per-trial table of the images in ``per_image`` (None for count data)."""
    from neurogrow.stats import TrialTable

    if human.trials is None:
        return None
    t = human.trials
    sel = t["responded"] & t["stimulus"].isin(per_image["stimulus"])
    if options.correct_only:
        sel &= t["correct"].fillna(False).astype(bool)
    used = t[sel]
    stim_code = pd.Index(per_image["stimulus"]).get_indexer(used["stimulus"])
    subj_codes, subj_names = pd.factorize(used["subject"], sort=True)
    if measure == "mean_log_rt":
        val, agg = np.log(used["rt"].to_numpy(float)), "mean"
    elif measure == "median_rt":
        val, agg = used["rt"].to_numpy(float), "median"
    else:
        val, agg = used["correct"].astype(float).to_numpy(), "mean"
    table = TrialTable(stim_code, subj_codes, val, len(per_image), len(subj_names), agg)
    return Trials(used=used, table=table, n_subjects=len(subj_names))
