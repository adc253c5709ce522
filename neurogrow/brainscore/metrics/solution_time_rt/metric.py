"""Reaction time per image read from any model's time-binned responses, correlated with human RTs.

After Brain-Score's object-solution-time metric (``ost``; Kubilius, Schrimpf et al. 2019; Kar et
al. 2019). Works for any ``BrainModel`` that records a region in time bins; it needs nothing
model-specific.

**Solution time.** The recordings (``presentation x neuroid x time_bin``, with ``stimulus_id``; the
category from the human data's ``truth`` or the recordings' ``image_label``) are decoded bin by bin: in each bin a standardised multinomial
logistic regression (C = :data:`DECODER_C`, newton-cg) is trained on the categories and gives,
cross-validated (:data:`N_FOLDS` stratified folds, seed 0, the same folds in every bin; each image
predicted by a decoder that never saw it), the probability of each image's true category. An
image's solution time is the first time at which that probability reaches :data:`THRESHOLD`,
linearly interpolated between the starts of the last bin below and of the first bin at or above
it (a hit in the first bin gives its start); an image never solved is censored at the end of the
last bin (ranked slowest). Bins with identical responses are decoded once. Recordings that do not
change over time give every image the same time (no decoding).

**Score.** Spearman correlation (``scipy.stats.spearmanr``) of the model's solution times with the
human RT per image, over the images both have; NaN when either does not vary (a model without
temporal dynamics predicts no RT differences; Brain-Score's Kar2019-ost scores such models NaN too).

Differences from ``ost``, and why: a fixed threshold of 0.5 instead of the per-image behavioural
threshold (a decoder probability and a human 16-way accuracy are on different scales); C = 1
instead of 1e-3 (with ~144 training images of 16 categories, 1e-3 gives nearly uniform
probabilities that reach no absolute threshold); censoring instead of excluding unsolved images
(the hardest images are the ones a reaction-time model must rank slowest).

This module needs only numpy, scipy, scikit-learn and brainscore_core (no neurogrow). The responses are
kept as float32 and only in the bins decoded; each bin is converted to float64 on its own while it is decoded.
"""
from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable

import numpy as np
from brainscore_core.metrics import Metric, Score
from scipy.stats import spearmanr

__all__ = [
    "DECODER_C",
    "N_FOLDS",
    "THRESHOLD",
    "SolutionTimeRT",
    "decoder_evidence",
    "solution_times",
    "temporally_varying",
]

#: Decoder probability of the true category at which an image counts as solved.
THRESHOLD = 0.5
#: Cross-validation folds of the decoders.
N_FOLDS = 10
#: Inverse regularisation of the decoders.
DECODER_C = 1.0


def temporally_varying(features: np.ndarray) -> bool:
    """Whether (N, F, B) responses change across the B time bins for any stimulus and neuroid."""
    return bool(np.any(features != features[:, :, :1]))


def decoder_evidence(
    features: np.ndarray, labels, n_folds: int = N_FOLDS, seed: int = 0, c: float = DECODER_C, progress: Callable | None = None
) -> np.ndarray:
    """Cross-validated probability of each stimulus's true label, per time bin: (N, B).

    ``features`` is (N, F, B). The same stratified folds are used in every bin; bins with
    identical responses are decoded once. ``progress``, if given, wraps the iterable of bins
    (e.g. ``tqdm``) to show how far the decoding is.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    labels = np.asarray(labels).astype(str)
    names, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes)
    if len(names) < 2 or counts.min() < n_folds:
        raise ValueError(
            f"decoder: {len(names)} categories with as few as {counts.min()} images; "
            f"expected at least 2 categories with {n_folds} images each"
        )
    n, _, n_bins = features.shape
    folds = list(StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(np.zeros(n), codes))
    evidence = np.empty((n, n_bins))
    done: dict[str, int] = {}
    for b in progress(range(n_bins)) if progress is not None else range(n_bins):
        x = np.ascontiguousarray(features[:, :, b], dtype=np.float64)
        key = hashlib.sha1(x.tobytes()).hexdigest()  # a digest, not the bytes: one bin in memory at a time
        if key in done:
            evidence[:, b] = evidence[:, done[key]]
            continue
        for train, test in folds:
            scaler = StandardScaler().fit(x[train])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter on degenerate (e.g. all-zero) channels
                clf = LogisticRegression(C=c, solver="newton-cg", max_iter=1000)
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


def _coord(assembly, name: str, what: str) -> np.ndarray:
    """The values of coordinate ``name`` (also a level of a MultiIndex), or a one-line error."""
    try:
        return np.asarray(assembly[name].values)
    except KeyError:
        raise ValueError(f"{what}: no {name} coordinate; expected the stimulus set's columns as coordinates") from None


def _names(assembly) -> set:
    """Names of an assembly's coordinates, the levels of its MultiIndexes included."""
    names = set(assembly.coords)
    for index in assembly.indexes.values():
        names.update(n for n in getattr(index, "names", ()) if n)
    return names


def _per_stimulus(assembly, what: str) -> dict:
    """stimulus_id -> value of a one-dimensional (presentation) assembly."""
    ids = _coord(assembly, "stimulus_id", what)
    values = np.asarray(assembly.values, dtype=float).reshape(-1)
    if len(ids) != len(values):
        raise ValueError(f"{what}: {len(values)} values for {len(ids)} stimulus_ids; expected one value per stimulus")
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what}: stimulus_id {ids[0]!r} ... repeats; expected one value per stimulus")
    return dict(zip(ids, values))


class SolutionTimeRT(Metric):
    """Spearman correlation of decoded solution times (or any per-image model RT) with human RTs.

    ``metric(recordings, human_rt)``: ``recordings`` a time-binned ``NeuroidAssembly``
    (``presentation x neuroid x time_bin``, coordinates ``stimulus_id``, ``time_bin_start``,
    ``time_bin_end``), ``human_rt`` one value per image (``presentation`` with ``stimulus_id`` and,
    for the decoders, the category in ``truth``; without ``truth`` the recordings' ``image_label`` is
    used). :meth:`correlate` takes per-image model RTs directly.

    ``time_bins``: the bins to decode (default: all bins of the recordings); only those are kept,
    as float32. The returned scalar ``Score`` has attributes ``model_rt`` and ``human_rt`` (aligned
    arrays), ``stimulus_id`` and, for recordings, ``temporally_varying``.
    """

    def __init__(
        self, threshold: float = THRESHOLD, n_folds: int = N_FOLDS, c: float = DECODER_C, seed: int = 0,
        progress: Callable | None = None, time_bins=None,
    ):
        self.threshold = float(threshold)
        self.n_folds = int(n_folds)
        self.c = float(c)
        self.seed = int(seed)
        #: Wraps the iterable of time bins while decoding (e.g. ``tqdm``); None shows nothing.
        self.progress = progress
        #: The (start, end) bins decoded; None: every bin of the recordings.
        self.time_bins = None if time_bins is None else [(float(s), float(e)) for s, e in time_bins]

    def __call__(self, recordings, human_rt) -> Score:
        times = self.solution_times(recordings, labels=human_rt)
        score = self.correlate(times, human_rt)
        score.attrs["temporally_varying"] = times.attrs["temporally_varying"]
        return score

    def _features(self, recordings) -> tuple[np.ndarray, list]:
        """(N, F, B) float32 responses in the bins to decode, and those bins."""
        if "time_bin" not in recordings.dims:  # one bin, squeezed by the model
            recordings = recordings.expand_dims("time_bin", axis=-1)
        starts = np.atleast_1d(_coord(recordings, "time_bin_start", "recordings").astype(float))
        ends = np.atleast_1d(_coord(recordings, "time_bin_end", "recordings").astype(float))
        bins = list(zip(starts, ends))
        keep = np.arange(len(bins))
        if self.time_bins is not None:
            index = {b: i for i, b in enumerate(bins)}
            missing = [b for b in self.time_bins if b not in index]
            if missing:
                raise ValueError(f"recordings: no time bin {missing[0]}; expected the bins {self.time_bins[0]} ... {self.time_bins[-1]}")
            keep = np.array([index[b] for b in self.time_bins])
        axes = [recordings.dims.index(d) for d in ("presentation", "neuroid", "time_bin")]
        values = np.asarray(recordings.values)
        features = np.transpose(values, axes)[:, :, keep].astype(np.float32, copy=False)
        return features, [bins[i] for i in keep]

    def solution_times(self, recordings, labels=None):
        """Per-stimulus solution times in ms (a DataAssembly; attribute ``temporally_varying``).

        ``labels``: a per-image assembly with ``stimulus_id`` and ``truth`` (the category to decode),
        or None to decode the recordings' ``image_label``.
        """
        from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly

        ids = _coord(recordings, "stimulus_id", "recordings")
        if labels is not None and "truth" in _names(labels):
            truth = dict(zip(_coord(labels, "stimulus_id", "labels"), _coord(labels, "truth", "labels")))
            missing = [s for s in ids if s not in truth]
            if missing:
                raise ValueError(f"labels: no truth for stimulus_id {missing[0]!r} ({len(missing)} missing)")
            categories = np.array([truth[s] for s in ids], dtype=object)
        else:
            categories = _coord(recordings, "image_label", "recordings")
        features, bins = self._features(recordings)
        if temporally_varying(features):
            evidence = decoder_evidence(features, categories, self.n_folds, self.seed, self.c, progress=self.progress)
            times, varying = solution_times(evidence, bins, self.threshold), True
        else:
            times, varying = np.full(features.shape[0], float(bins[-1][1])), False
        coords = {"stimulus_id": ("presentation", ids), "image_label": ("presentation", categories)}
        result = DataAssembly(times, coords=coords, dims=["presentation"])
        result.attrs["temporally_varying"] = varying
        return result

    def correlate(self, model_rt, human_rt) -> Score:
        """Spearman of per-image model and human RT over the images in both (NaN if either is constant)."""
        model = _per_stimulus(model_rt, "model reaction times")
        human = _per_stimulus(human_rt, "human reaction times")
        missing = [s for s in human if s not in model]
        if missing:
            raise ValueError(f"model reaction times: no value for stimulus_id {missing[0]!r} ({len(missing)} missing)")
        ids = np.array([s for s in human if np.isfinite(human[s])], dtype=object)
        m = np.array([model[s] for s in ids], dtype=float)
        h = np.array([human[s] for s in ids], dtype=float)
        if not np.all(np.isfinite(m)):
            raise ValueError("model reaction times: not all finite; expected a time in ms for every stimulus")
        raw = float("nan") if len(ids) < 3 or np.ptp(m) == 0 or np.ptp(h) == 0 else float(spearmanr(m, h)[0])
        score = Score(raw)
        score.attrs.update({"model_rt": m, "human_rt": h, "stimulus_id": ids})
        return score
