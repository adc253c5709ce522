"""Tests of the Geirhos 2019 reaction-time benchmark plugin (run by pytest here or through tests/test_brainscore.py)."""
import os

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("RESULTCACHING_DISABLE", "1")

import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
import torch

import neurogrow.brainscore as nb
from neurogrow.brainscore.brain_model import NeurogrowBrainModel
from neurogrow.data import load_image_folder
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human import load_human
from neurogrow.model import ModelConfig
from neurogrow.model.inputs import to_input
from neurogrow.model.lattice import LatticeRCNN

from .benchmark import Geirhos2019ReactionTime
from .data import geirhos2019_dir, load_assembly, load_stimulus_set
from .reaction_time import decoder_evidence, solution_times

IDENTIFIERS = [
    "Geirhos2019-rt",
    "Geirhos2019edge-rt",
    "Geirhos2019silhouette-rt",
    "Geirhos2019-rt_temporal",
    "Geirhos2019edge-rt_temporal",
    "Geirhos2019silhouette-rt_temporal",
]
CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def tiny_brain_model(steps: int = 3, seed: int = 0) -> NeurogrowBrainModel:
    """An untrained two-layer lattice RCNN with adaptive halting, fast enough to run on every stimulus."""
    config = ModelConfig(channels=[4, 8], max_channels=8, steps=steps, class_names=CIFAR10)
    return NeurogrowBrainModel(LatticeRCNN(config, seed=seed).eval(), f"neurogrow-tiny-{steps}-step")


@pytest.fixture(scope="module", autouse=True)
def single_torch_thread():
    """Run torch on one thread here: on these small batches a second thread costs more than it saves."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def edge_benchmark():
    return nb.load_benchmark("Geirhos2019edge-rt")


def test_every_identifier_is_registered():
    import brainscore_vision

    assert set(IDENTIFIERS) == set(nb.benchmark_ids())
    bench = nb.load_benchmark("Geirhos2019silhouette-rt_temporal")
    assert bench.identifier == "Geirhos2019silhouette-rt_temporal"
    assert "Geirhos2019silhouette-rt_temporal" in brainscore_vision.benchmark_registry


def test_stimulus_set_and_trials_of_each_experiment():
    for experiment, n_images in (("edge", 160), ("silhouette", 160)):
        stimuli = load_stimulus_set(experiment)
        assert len(stimuli) == n_images and stimuli["stimulus_id"].is_unique
        assert stimuli.identifier == f"Geirhos2019_rt_{experiment}"
        assert all(Path(stimuli.get_stimulus(s)).is_file() for s in stimuli["stimulus_id"])
        assert stimuli["image_label"].nunique() == 16
        trials = load_assembly(experiment)
        assert trials.dims == ("presentation",) and trials.sizes["presentation"] == 1600
        assert set(trials["stimulus_id"].values) == set(stimuli["stimulus_id"])
        assert len(set(trials["subject"].values)) == 10
        assert np.isnan(trials.values[~trials["responded"].values]).all()
        assert trials.attrs["stimulus_set"] is not None


def test_ceilings_are_the_split_half_reliabilities_of_compare_rt():
    bench = nb.load_benchmark("Geirhos2019-rt")
    ceiling = bench.ceiling
    assert float(ceiling.sel(experiment="edge")) == pytest.approx(0.67, abs=0.01)
    assert float(ceiling.sel(experiment="silhouette")) == pytest.approx(0.72, abs=0.01)


def test_native_score_is_the_spearman_of_halting_time_and_mean_log_rt(edge_benchmark):
    candidate = tiny_brain_model()
    score = edge_benchmark(candidate)
    assert score.attrs["rt_source"] == "native"
    # by hand: the model's halting time on the edge images, the humans' mean log RT per image
    folder = load_image_folder(geirhos2019_dir() / "stimuli" / "edges", size=32)
    with torch.no_grad():
        steps = candidate.model(to_input(torch.from_numpy(folder.images), candidate.model.config)).expected_steps.numpy()
    model_rt = dict(zip((Path(i).name for i in folder.ids), steps))
    trials = load_human(geirhos2019_dir() / "raw-data" / "edge-experiment").trials
    trials = trials[trials["responded"]]
    human = np.log(trials["rt"]).groupby(trials["stimulus"]).mean()
    by_hand = scipy.stats.spearmanr([model_rt[s] for s in human.index], human.to_numpy())[0]
    raw = float(score.attrs["raw"])
    ceiling = float(score.attrs["ceiling"])
    assert raw == pytest.approx(by_hand, abs=1e-12)
    assert float(score) == pytest.approx(min(max(by_hand / ceiling, 0.0), 1.0), abs=1e-12)
    assert len(score.attrs["per_image"]) == 160


def test_temporal_score_reads_rt_from_time_binned_responses(edge_benchmark):
    bench = Geirhos2019ReactionTime(("edge",), "temporal")
    score = bench(tiny_brain_model())
    assert score.attrs["rt_source"] == "temporal" and bench.identifier == "Geirhos2019edge-rt_temporal"
    per_image = score.attrs["per_image"]
    assert per_image["model_rt"].between(70, 250).all()
    by_hand = scipy.stats.spearmanr(per_image["model_rt"], per_image["human_mean_log_rt"])[0]
    assert float(score.attrs["raw"]) == pytest.approx(by_hand, abs=1e-12)
    assert float(score.attrs["ceiling"]) == pytest.approx(float(edge_benchmark.ceiling), abs=1e-12)


def test_a_model_without_time_scores_nan():
    bench = Geirhos2019ReactionTime(("edge",), "temporal")
    score = bench(tiny_brain_model(steps=1))
    assert np.isnan(float(score)) and np.isnan(float(score.attrs["raw"]))
    assert "do not vary" in score.attrs["note"]


def test_solution_time_interpolates_and_censors():
    bins = [(70, 80), (80, 90), (90, 100)]
    evidence = np.array([[0.6, 0.7, 0.9], [0.1, 0.3, 0.7], [0.1, 0.2, 0.3], [0.2, 0.6, 0.4]])
    np.testing.assert_allclose(solution_times(evidence, bins, 0.5), [70, 85, 100, 77.5])


def test_decoder_evidence_is_cross_validated_and_decodes_identical_bins_once():
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b"], 10)
    signal = np.where(labels == "a", 1.0, -1.0)[:, None] * np.ones((1, 3))
    noise = rng.normal(size=(20, 3))
    features = np.stack([noise, noise + 3 * signal, noise + 3 * signal], axis=2)
    evidence = decoder_evidence(features, labels, n_folds=5)
    assert evidence.shape == (20, 3)
    np.testing.assert_array_equal(evidence[:, 1], evidence[:, 2])
    assert evidence[:, 1].mean() > 0.9 > evidence[:, 0].mean()


def test_benchmark_bad_input_gives_one_line_errors(tmp_path):
    with pytest.raises(NeurogrowError, match="unknown benchmark 'Geirhos2019-nope'"):
        nb.load_benchmark("Geirhos2019-nope")
    with pytest.raises(NeurogrowError, match="rt_source 'fast'"):
        Geirhos2019ReactionTime(("edge",), "fast")
    with pytest.raises(NeurogrowError, match=r"experiments \['sketch'\]"):
        Geirhos2019ReactionTime(("sketch",))

    class NoTime:
        identifier = "no-time"

    with pytest.raises(NeurogrowError, match="declares no reaction_time task"):
        Geirhos2019ReactionTime(("edge",), "native")(NoTime())
    # a data folder whose trials show an image that is missing
    root = tmp_path / "geirhos2019"
    shutil.copytree(geirhos2019_dir() / "raw-data" / "edge-experiment", root / "raw-data" / "edge-experiment")
    shutil.copytree(geirhos2019_dir() / "stimuli" / "edges", root / "stimuli" / "edges")
    (root / "stimuli" / "edges" / "oven" / "oven10.png").unlink()
    with pytest.raises(DataError, match=r"oven10.png: stimulus file not found"):
        load_stimulus_set("edge", root)
    with pytest.raises(DataError, match=r"oven10.png: stimulus file not found"):
        Geirhos2019ReactionTime(("edge",), root=root)
