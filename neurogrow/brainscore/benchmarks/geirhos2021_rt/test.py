"""Tests of the Geirhos2021 solution-time benchmarks (standalone: brainscore_vision and this folder; no neurogrow).

The data are Brain-Score's ``Geirhos2021_edge`` / ``Geirhos2021_silhouette`` (offline, neurogrow's
tests register stand-ins built the same way from the same trials: ``pytest -p
neurogrow.brainscore.standin``). The candidates are small BrainModels written for the test: the
benchmark must work for any model.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
from brainscore_vision import BrainModel, load_benchmark, load_dataset
from PIL import Image

from .benchmark import PARENT, Geirhos2021SolutionTimeRT

IDENTIFIERS = ["Geirhos2021edge-solution_time_rt", "Geirhos2021silhouette-solution_time_rt"]


class PixelModel(BrainModel):
    """IT = 8 x 8 grey pixels; in the first ``noisy_bins`` bins plus noise that shrinks over time."""

    def __init__(self, noisy_bins: int = 3):
        self.noisy_bins = noisy_bins
        self._task = None
        self._bins = None
        self.shown: list[int] = []  # number of stimuli of each look_at

    identifier = "pixel-test-model"

    def visual_degrees(self):
        return 3

    def start_task(self, task, fitting_stimuli=None):
        self._task = task

    def start_recording(self, recording_target, time_bins):
        self._task, self._bins = None, list(time_bins)

    def pixels(self, stimuli) -> np.ndarray:
        return np.stack([
            np.asarray(Image.open(stimuli.get_stimulus(s)).convert("L").resize((8, 8)), dtype=float).ravel() / 255
            for s in stimuli["stimulus_id"]
        ])

    def look_at(self, stimuli, number_of_trials=1, require_variance=False):
        coords = {c: ("presentation", stimuli[c].to_numpy()) for c in stimuli.columns}
        self.shown.append(len(stimuli))
        x = self.pixels(stimuli)
        rng = np.random.default_rng(0)
        noise = rng.normal(size=(len(self._bins),) + x.shape)
        scale = [max(self.noisy_bins - b, 0) / max(self.noisy_bins, 1) for b in range(len(self._bins))]
        data = np.stack([x + s * n for s, n in zip(scale, noise)], axis=2)
        return NeuroidAssembly(
            data,
            coords={
                **coords,
                "neuroid_id": ("neuroid", [f"px{i}" for i in range(x.shape[1])]),
                "time_bin_start": ("time_bin", [b[0] for b in self._bins]),
                "time_bin_end": ("time_bin", [b[1] for b in self._bins]),
            },
            dims=["presentation", "neuroid", "time_bin"],
        )


def mean_log_rt_by_hand(dataset: str) -> pd.Series:
    """Mean log RT per image straight from the trials, indexed by stimulus id."""
    trials = load_dataset(f"Geirhos2021_{dataset}")
    rt = pd.Series(trials["response_time"].values, index=trials["stimulus_id"].values).dropna()
    return np.log(rt).groupby(level=0).mean()


@pytest.fixture(scope="module")
def edge():
    return load_benchmark(IDENTIFIERS[0])


def test_each_dataset_is_a_benchmark_on_brainscores_geirhos2021_data():
    for identifier in IDENTIFIERS:
        bench = load_benchmark(identifier)
        assert bench.identifier == identifier and bench.parent == PARENT != identifier
        assert len(bench.stimulus_set) == 160 and bench._assembly.sizes["presentation"] == 1600
        assert bench.stimulus_set.identifier == f"Geirhos2021_{bench.dataset}"
        assert set(bench.stimulus_set["stimulus_id"]) == set(bench._assembly["stimulus_id"].values)
        assert len(set(bench._assembly["subject"].values)) == 10


def test_ceilings_are_scalar_split_half_reliabilities_with_an_error(edge):
    assert edge.ceiling.ndim == 0 and float(edge.ceiling) == pytest.approx(0.665, abs=0.005)
    assert edge.ceiling.attrs["n_splits"] == 126 and 0 < float(edge.ceiling.attrs["error"]) < 0.2
    assert float(load_benchmark(IDENTIFIERS[1]).ceiling) == pytest.approx(0.720, abs=0.005)


def test_any_brain_model_is_scored_from_its_time_binned_responses(edge):
    score = edge(PixelModel())
    raw, ceiling, error = score.attrs["raw"], score.attrs["ceiling"], score.attrs["error"]
    assert score.ndim == raw.ndim == ceiling.ndim == error.ndim == 0
    assert 0 < float(error) < 1 and float(raw.attrs["error"]) == pytest.approx(float(error) * float(ceiling))
    per_image = score.attrs["per_image"].set_index("stimulus_id")
    assert len(per_image) == 160 and per_image["model_rt"].between(70, 250).all()
    assert per_image["model_rt"].nunique() > 10
    human = mean_log_rt_by_hand("edge")
    np.testing.assert_allclose(per_image["human_mean_log_rt"], human.reindex(per_image.index), rtol=1e-12)
    by_hand = scipy.stats.spearmanr(per_image["model_rt"], per_image["human_mean_log_rt"])[0]
    assert float(raw) == pytest.approx(by_hand, abs=1e-12)
    assert float(score) == pytest.approx(min(max(by_hand / float(ceiling), 0), 1), abs=1e-12)


def test_a_model_without_temporal_dynamics_scores_nan_after_one_stimulus(edge):
    model = PixelModel(noisy_bins=0)
    score = edge(model)
    assert model.shown == [1]  # the probe only: the other 159 images are never run
    assert np.isnan(float(score)) and np.isnan(float(score.attrs["raw"])) and np.isnan(float(score.attrs["error"]))
    assert "do not change over the 18 time bins" in score.attrs["comment"]
    assert float(score.attrs["ceiling"]) == pytest.approx(0.665, abs=0.005)


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValueError, match="dataset 'sketch'"):
        Geirhos2021SolutionTimeRT("sketch")
