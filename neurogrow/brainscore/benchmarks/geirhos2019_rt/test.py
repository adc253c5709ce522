"""Tests of the Geirhos 2019 reaction-time benchmarks (standalone: brainscore_vision, neurogrow and this folder).

The candidates here are small BrainModels written for the test (not neurogrow models): the
benchmark's default route must work for any model.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly, NeuroidAssembly
from brainscore_vision import BrainModel, load_benchmark, load_dataset
from PIL import Image

from neurogrow.errors import NeurogrowError

from .benchmark import PARENT, Geirhos2019ReactionTime

IDENTIFIERS = ["Geirhos2019edge-rt", "Geirhos2019silhouette-rt"]


class PixelModel(BrainModel):
    """IT = 8 x 8 grey pixels; in the first ``noisy_bins`` bins plus noise that shrinks over time."""

    def __init__(self, noisy_bins: int = 3, native_rt: bool = False):
        self.noisy_bins = noisy_bins
        self._task = None
        self._bins = None
        if native_rt:
            self.supported_tasks = ("reaction_time",)

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
        x = self.pixels(stimuli)
        if self._task == "reaction_time":
            return BehavioralAssembly(1000 * x.mean(axis=1), coords=coords, dims=["presentation"])
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


def mean_log_rt_by_hand(experiment: str) -> pd.Series:
    """Mean log RT per image straight from the trial CSVs, indexed like the stimulus ids."""
    trials = load_dataset(f"Geirhos2019_rt_{experiment}")
    rt = pd.Series(trials["response_time"].values, index=trials["stimulus_id"].values).dropna()
    return np.log(rt).groupby(level=0).mean()


@pytest.fixture(scope="module")
def edge():
    return load_benchmark("Geirhos2019edge-rt")


def test_each_experiment_is_a_benchmark_with_a_group_parent():
    for identifier in IDENTIFIERS:
        bench = load_benchmark(identifier)
        assert bench.identifier == identifier and bench.parent == PARENT != identifier
        assert len(bench.stimulus_set) == 160 and bench._assembly.sizes["presentation"] == 1600
        assert len(set(bench._assembly["subject"].values)) == 10


def test_ceilings_are_scalar_split_half_reliabilities(edge):
    assert edge.ceiling.ndim == 0 and float(edge.ceiling) == pytest.approx(0.67, abs=0.01)
    lo, hi = edge.ceiling.attrs["ci95"]
    assert lo < float(edge.ceiling) < hi
    assert float(load_benchmark("Geirhos2019silhouette-rt").ceiling) == pytest.approx(0.72, abs=0.01)


def test_any_brain_model_is_scored_from_its_time_binned_responses(edge):
    score = edge(PixelModel())
    raw, ceiling = score.attrs["raw"], score.attrs["ceiling"]
    assert score.ndim == 0 and raw.ndim == 0 and ceiling.ndim == 0
    assert score.attrs["rt_source"] == "decoding"
    per_image = score.attrs["per_image"].set_index("stimulus_id")
    assert len(per_image) == 160 and per_image["model_rt"].between(70, 250).all()
    assert per_image["model_rt"].nunique() > 10
    human = mean_log_rt_by_hand("edge")
    np.testing.assert_allclose(per_image["human_mean_log_rt"], human.reindex(per_image.index), rtol=1e-12)
    by_hand = scipy.stats.spearmanr(per_image["model_rt"], per_image["human_mean_log_rt"])[0]
    assert float(raw) == pytest.approx(by_hand, abs=1e-12)
    assert float(score) == pytest.approx(min(max(by_hand / float(ceiling), 0), 1), abs=1e-12)


def test_a_model_without_temporal_dynamics_scores_nan(edge):
    score = edge(PixelModel(noisy_bins=0))
    assert np.isnan(float(score)) and np.isnan(float(score.attrs["raw"]))
    assert "do not vary" in score.attrs["note"]


def test_native_reaction_times_are_an_option_for_models_that_declare_them():
    bench = Geirhos2019ReactionTime("edge", rt_source="native")
    assert bench.identifier == "Geirhos2019edge-rt_native"
    model = PixelModel(native_rt=True)
    score = bench(model)
    rts = pd.Series(1000 * model.pixels(bench.stimulus_set).mean(axis=1), index=bench.stimulus_set["stimulus_id"])
    human = mean_log_rt_by_hand("edge")
    by_hand = scipy.stats.spearmanr(rts.reindex(human.index), human)[0]
    assert float(score.attrs["raw"]) == pytest.approx(by_hand, abs=1e-12)
    with pytest.raises(NeurogrowError, match="declares no reaction_time task"):
        bench(PixelModel())


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(NeurogrowError, match="experiment 'sketch'"):
        Geirhos2019ReactionTime("sketch")
    with pytest.raises(NeurogrowError, match="rt_source 'fast'"):
        Geirhos2019ReactionTime("edge", rt_source="fast")
