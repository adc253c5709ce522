"""A model's reaction time per image: its native answer, or one read from its time-binned responses.

**Native.** A model that lists :data:`REACTION_TIME_TASK` in its ``supported_tasks`` answers
``start_task("reaction_time")`` + ``look_at(stimuli)`` with a BehavioralAssembly of one RT per
stimulus (neurogrow models: the halting time E_pi[t], in ms).

**Model-agnostic (temporal)**, after Brain-Score's object-solution-time metric (Kubilius,
Schrimpf et al. 2019; Kar et al. 2019). The model's IT is recorded in the 10 ms bins of the
Kar2019-ost benchmark (70-250 ms). In each bin, a decoder (standardised multinomial logistic
regression) is trained to tell the images' categories apart from the IT responses and gives,
cross-validated (stratified folds, each image predicted by a decoder that never saw it), the
probability of each image's true category. An image's solution time is the first time at which
that probability reaches :data:`THRESHOLD`, linearly interpolated between the start of the last
bin below and the first bin at or above the threshold (a hit in the first bin gives that bin's
start); an image that is never solved is censored at the end of the last bin (ranked slowest).
Our choices: the fixed threshold 0.5 (the true category is more likely than all others together)
instead of OST's per-image behavioural threshold, because a decoder probability and a human
16-way accuracy are on different scales; C = 1 instead of Brain-Score's C = 1e-3, because with 144
training images of 16 categories C = 1e-3 gives almost uniform probabilities that reach no
absolute threshold; censoring instead of OST's exclusion of unsolved images, because the hardest
images are the ones a reaction-time model must rank slowest.
"""
from __future__ import annotations

import warnings

import numpy as np

from neurogrow.brainscore.brain_model import REACTION_TIME_TASK
from neurogrow.errors import NeurogrowError
from neurogrow.progress import progress

__all__ = [
    "REACTION_TIME_TASK",
    "THRESHOLD",
    "TIME_BINS",
    "decoder_evidence",
    "native_reaction_times",
    "solution_times",
    "supports_native",
    "temporal_reaction_times",
    "temporally_varying",
]

#: Recording bins of the model-agnostic RT (those of Brain-Score's Kar2019-ost benchmark).
TIME_BINS = [(start, start + 10) for start in range(70, 250, 10)]
#: Decoder probability of the true category at which an image counts as solved.
THRESHOLD = 0.5
#: Cross-validation folds of the decoders.
N_FOLDS = 10
#: Inverse regularisation of the decoders.
DECODER_C = 1.0


def supports_native(candidate) -> bool:
    """Whether ``candidate`` declares its own reaction times (``supported_tasks`` lists ``reaction_time``)."""
    return REACTION_TIME_TASK in tuple(getattr(candidate, "supported_tasks", ()))


def _align(assembly, stimulus_ids: np.ndarray, what: str) -> np.ndarray:
    """Positions of ``stimulus_ids`` along the presentation dim of ``assembly``."""
    got = np.asarray(assembly["stimulus_id"].values)
    index = {sid: i for i, sid in enumerate(got)}
    missing = [s for s in stimulus_ids if s not in index]
    if missing:
        raise NeurogrowError(f"{what}: the model returned no response for stimulus_id {missing[0]!r} ({len(missing)} missing)")
    return np.array([index[s] for s in stimulus_ids])


def native_reaction_times(candidate, stimulus_set) -> np.ndarray:
    """The model's own RT per stimulus of ``stimulus_set`` (in its order)."""
    candidate.start_task(REACTION_TIME_TASK)
    answer = candidate.look_at(stimulus_set)
    if answer.ndim != 1 or answer.dims[0] != "presentation":
        raise NeurogrowError(f"task {REACTION_TIME_TASK}: the model returned dims {answer.dims}; expected (presentation,)")
    idx = _align(answer, stimulus_set["stimulus_id"].to_numpy(), REACTION_TIME_TASK)
    return np.asarray(answer.values, dtype=float)[idx]


def temporally_varying(features: np.ndarray) -> bool:
    """Whether (N, F, B) responses change across the B time bins for any stimulus and neuroid."""
    return bool(np.any(features != features[:, :, :1]))


def decoder_evidence(features: np.ndarray, labels: np.ndarray, n_folds: int = N_FOLDS, seed: int = 0) -> np.ndarray:
    """Cross-validated probability of each stimulus's true label, per time bin: (N, B).

    ``features`` is (N, F, B). The same stratified folds are used in every bin; bins with
    identical responses are decoded once.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    labels = np.asarray(labels).astype(str)
    names, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes)
    if len(names) < 2 or counts.min() < n_folds:
        raise NeurogrowError(
            f"decoder: {len(names)} categories with as few as {counts.min()} images; "
            f"expected at least 2 categories with {n_folds} images each"
        )
    n, _, n_bins = features.shape
    folds = list(StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(np.zeros(n), codes))
    evidence = np.empty((n, n_bins))
    done: dict[bytes, int] = {}
    for b in progress(range(n_bins), desc="decoders per time bin", unit="bin"):
        x = np.ascontiguousarray(features[:, :, b], dtype=np.float64)
        key = x.tobytes()
        if key in done:
            evidence[:, b] = evidence[:, done[key]]
            continue
        for train, test in folds:
            scaler = StandardScaler().fit(x[train])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter on degenerate (e.g. all-zero) channels
                clf = LogisticRegression(C=DECODER_C, solver="newton-cg", max_iter=1000)
                clf.fit(scaler.transform(x[train]), codes[train])
            proba = clf.predict_proba(scaler.transform(x[test]))
            column = np.searchsorted(clf.classes_, codes[test])
            evidence[test, b] = proba[np.arange(len(test)), column]
        done[key] = b
    return evidence


def solution_times(evidence: np.ndarray, time_bins, threshold: float = THRESHOLD) -> np.ndarray:
    """First time (ms) at which each row of ``evidence`` (N, B) reaches ``threshold``.

    Linear interpolation between the starts of the bin before the first hit and of the hit bin;
    a hit in the first bin gives its start; no hit gives the end of the last bin.
    """
    starts = np.array([b[0] for b in time_bins], dtype=float)
    censor = float(time_bins[-1][1])
    out = np.full(evidence.shape[0], censor)
    for i, row in enumerate(evidence):
        hits = np.flatnonzero(row >= threshold)
        if not hits.size:
            continue
        k = hits[0]
        if k == 0:
            out[i] = starts[0]
            continue
        e0, e1 = row[k - 1], row[k]
        out[i] = starts[k - 1] + (threshold - e0) / (e1 - e0) * (starts[k] - starts[k - 1])
    return out


def temporal_reaction_times(
    candidate,
    stimulus_set,
    region: str = "IT",
    time_bins=TIME_BINS,
    threshold: float = THRESHOLD,
    n_folds: int = N_FOLDS,
    seed: int = 0,
) -> tuple[np.ndarray, bool]:
    """Model-agnostic RT per stimulus (ms, in ``stimulus_set`` order) and whether the responses vary in time.

    The decoders learn ``stimulus_set['image_label']``. When the recordings do not change over
    time, every stimulus gets the same RT (no decoding is done).
    """
    candidate.start_recording(region, time_bins=[tuple(b) for b in time_bins])
    recordings = candidate.look_at(stimulus_set)
    if "time_bin" not in recordings.dims:  # one bin, squeezed by the model
        recordings = recordings.expand_dims("time_bin", axis=-1)
    recordings = recordings.transpose("presentation", "neuroid", "time_bin")
    idx = _align(recordings, stimulus_set["stimulus_id"].to_numpy(), f"recording {region}")
    features = np.asarray(recordings.values, dtype=np.float64)[idx]
    if features.shape[2] != len(time_bins):
        raise NeurogrowError(f"recording {region}: {features.shape[2]} time bins returned; expected {len(time_bins)}")
    if not temporally_varying(features):
        return np.full(len(idx), float(time_bins[-1][1])), False
    evidence = decoder_evidence(features, stimulus_set["image_label"].to_numpy(), n_folds, seed)
    return solution_times(evidence, time_bins, threshold), True
