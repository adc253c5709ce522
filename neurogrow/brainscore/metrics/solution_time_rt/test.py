"""Tests of the solution_time_rt metric plugin (standalone: brainscore_vision and this folder only)."""
import numpy as np
import pytest
import scipy.stats
from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly, NeuroidAssembly
from brainscore_vision import load_metric

BINS = [(70, 80), (80, 90), (90, 100)]


def recordings(features: np.ndarray, labels, bins=BINS) -> NeuroidAssembly:
    """A presentation x neuroid x time_bin assembly as a BrainModel returns it."""
    n, f, _b = features.shape
    return NeuroidAssembly(
        features,
        coords={
            "stimulus_id": ("presentation", [f"s{i}" for i in range(n)]),
            "image_label": ("presentation", list(labels)),
            "neuroid_id": ("neuroid", [f"n{j}" for j in range(f)]),
            "time_bin_start": ("time_bin", [s for s, _ in bins]),
            "time_bin_end": ("time_bin", [e for _, e in bins]),
        },
        dims=["presentation", "neuroid", "time_bin"],
    )


def per_image(values, ids=None) -> DataAssembly:
    ids = ids if ids is not None else [f"s{i}" for i in range(len(values))]
    coords = {"stimulus_id": ("presentation", ids), "n_trials": ("presentation", np.ones(len(ids)))}
    return DataAssembly(np.asarray(values, float), coords=coords, dims=["presentation"])


def test_registered():
    metric = load_metric("solution_time_rt")
    assert metric.threshold == 0.5 and metric.n_folds == 10


def test_solution_time_interpolates_and_censors():
    from .metric import solution_times

    evidence = np.array([[0.6, 0.7, 0.9], [0.1, 0.3, 0.7], [0.1, 0.2, 0.3], [0.2, 0.6, 0.4]])
    np.testing.assert_allclose(solution_times(evidence, BINS, 0.5), [70, 85, 100, 77.5])


def test_decoder_evidence_is_cross_validated_and_decodes_identical_bins_once():
    from .metric import decoder_evidence

    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b"], 10)
    signal = np.where(labels == "a", 1.0, -1.0)[:, None] * np.ones((1, 3))
    noise = rng.normal(size=(20, 3))
    features = np.stack([noise, noise + 3 * signal, noise + 3 * signal], axis=2)
    evidence = decoder_evidence(features, labels, n_folds=5)
    assert evidence.shape == (20, 3)
    np.testing.assert_array_equal(evidence[:, 1], evidence[:, 2])
    assert evidence[:, 1].mean() > 0.9 > evidence[:, 0].mean()
    seen = []

    def wrap(bins):  # a progress bar's interface: wraps the iterable of time bins
        seen.append(list(bins))
        return seen[-1]

    np.testing.assert_array_equal(decoder_evidence(features, labels, n_folds=5, progress=wrap), evidence)
    assert seen == [[0, 1, 2]]


def test_images_whose_category_appears_later_get_later_solution_times():
    # 80 images of four categories; image i carries its category's signal from bin onset(i) on
    rng = np.random.default_rng(1)
    n, f = 80, 8
    codes = np.tile(np.arange(4), n // 4)
    labels = np.array(["a", "b", "c", "d"])[codes]
    onset = np.repeat([0, 1, 2, 3], n // 4)
    bins = [(70 + 10 * b, 80 + 10 * b) for b in range(5)]
    features = rng.normal(scale=0.3, size=(n, f, len(bins)))
    for i in range(n):
        features[i, codes[i], onset[i]:] += 3
    metric = load_metric("solution_time_rt", n_folds=5)
    times = metric.solution_times(recordings(features, labels, bins))
    assert times.attrs["temporally_varying"]
    assert scipy.stats.spearmanr(times.values, onset)[0] > 0.8
    human = per_image(300 + 50 * onset + rng.normal(scale=5, size=n))
    score = metric(recordings(features, labels, bins), human)
    assert float(score) == pytest.approx(scipy.stats.spearmanr(times.values, human.values)[0], abs=1e-12)
    assert float(score) > 0.7 and score.attrs["temporally_varying"]


def test_static_recordings_and_constant_rts_score_nan():
    metric = load_metric("solution_time_rt")
    features = np.ones((12, 3, 3))
    score = metric(recordings(features, np.tile(["a", "b"], 6)), per_image(np.arange(12)))
    assert np.isnan(float(score)) and not score.attrs["temporally_varying"]
    assert np.isnan(float(metric.correlate(per_image(np.ones(12)), per_image(np.arange(12)))))


def test_correlate_aligns_by_stimulus_id_and_skips_missing_human_values():
    metric = load_metric("solution_time_rt")
    model = per_image([1, 2, 3, 4, 5], ["e", "d", "c", "b", "a"])
    human = per_image([5, 4, np.nan, 2, 1], ["a", "b", "c", "d", "e"])
    score = metric.correlate(model, human)
    assert float(score) == pytest.approx(1.0) and list(score.attrs["stimulus_id"]) == ["a", "b", "d", "e"]
    with pytest.raises(ValueError, match="no value for stimulus_id 'z'"):
        metric.correlate(model, per_image([1, 2], ["a", "z"]))


def test_only_the_requested_bins_are_decoded_as_float32_with_labels_from_the_human_data():
    rng = np.random.default_rng(2)
    n = 40
    labels = np.tile(["a", "b"], n // 2)
    bins = [(70, 80), (80, 90), (90, 100), (100, 110)]
    features = rng.normal(size=(n, 3, 4))
    features[:, 0, 2:] += np.where(labels == "a", 4.0, -4.0)[:, None]
    rec = recordings(features, ["?"] * n, bins)  # no usable image_label: the categories come from `truth`
    human = DataAssembly(
        np.arange(n, dtype=float),
        coords={"stimulus_id": ("presentation", [f"s{i}" for i in range(n)]), "truth": ("presentation", labels)},
        dims=["presentation"],
    )
    metric = load_metric("solution_time_rt", n_folds=5, time_bins=bins[1:3])
    features32, kept = metric._features(rec)
    assert features32.dtype == np.float32 and features32.shape == (n, 3, 2) and kept == [(80, 90), (90, 100)]
    times = metric.solution_times(rec, labels=human)
    assert list(times["image_label"].values) == list(labels)
    assert np.all(times.values <= 100) and np.median(times.values) >= 80  # solved in the second kept bin (start 90)
    with pytest.raises(ValueError, match="no time bin"):
        load_metric("solution_time_rt", time_bins=[(0, 10)])._features(rec)
