"""Brain-Score integration on neurogrow's side: the registry, the native halting route, the ``neurogrow brainscore`` command.

The plugins' own tests (``test.py`` in each plugin folder) run inside a brainscore_vision tree:
``tests/test_brainscore_plugins.py``.
"""
import os

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("RESULTCACHING_DISABLE", "1")

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
import torch

import neurogrow.brainscore as nb
from neurogrow.brainscore.benchmarks.geirhos2019_rt.benchmark import REACTION_TIME_TASK
from neurogrow.brainscore.brain_model import REACTION_TIME_TASK as MODEL_REACTION_TIME_TASK
from neurogrow.brainscore.brain_model import NeurogrowBrainModel
from neurogrow.cli import main
from neurogrow.data import load_image_folder
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human import load_human
from neurogrow.human.layout import human_data_dir
from neurogrow.model import ModelConfig
from neurogrow.model.files import save_model
from neurogrow.model.inputs import to_input
from neurogrow.model.lattice import LatticeRCNN

from conftest import RESULTS as RESULTS_DIR

RESULTS = RESULTS_DIR / "brainscore" / "geirhos2019_rt.json"
CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
GEIRHOS = human_data_dir() / "geirhos2019"


def tiny_brain_model(steps: int = 3, seed: int = 0) -> NeurogrowBrainModel:
    """An untrained two-layer lattice RCNN with adaptive halting, fast enough to run on every stimulus."""
    config = ModelConfig(channels=[4, 8], max_channels=8, steps=steps, class_names=CIFAR10)
    return NeurogrowBrainModel(LatticeRCNN(config, seed=seed).eval(), f"neurogrow-tiny-{steps}-step")


@pytest.fixture(scope="module", autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_registry_lists_the_plugins_and_the_group():
    assert nb.model_ids() == [
        "neurogrow-blt-cifar10-adaptive", "neurogrow-blt-cifar10-fixed-time", "neurogrow-blt-cifar10-one-step",
        "neurogrow-blt-cifar10-plain",
    ]
    assert nb.benchmark_ids() == ["Geirhos2019edge-rt", "Geirhos2019silhouette-rt"]
    assert nb.group_ids() == ["Geirhos2019-rt"]
    assert REACTION_TIME_TASK == MODEL_REACTION_TIME_TASK  # the benchmark's native route asks what the model answers


def test_shipped_human_data_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("NEUROGROW_HUMAN_DATA", raising=False)
    assert (human_data_dir() / "geirhos2019" / "raw-data" / "edge-experiment").is_dir()
    monkeypatch.setenv("NEUROGROW_HUMAN_DATA", str(tmp_path))
    assert human_data_dir() == tmp_path
    monkeypatch.setenv("NEUROGROW_HUMAN_DATA", str(tmp_path / "nope"))
    with pytest.raises(DataError, match=r"NEUROGROW_HUMAN_DATA=.*nope: no such folder"):
        human_data_dir()


def test_native_route_is_the_spearman_of_halting_time_and_mean_log_rt():
    bench = nb.load_benchmark("Geirhos2019edge-rt", rt_source="native")
    assert bench.identifier == "Geirhos2019edge-rt_native"
    candidate = tiny_brain_model()
    score = bench(candidate)
    assert score.attrs["rt_source"] == "native"
    # by hand: the model's halting time on the edge images, the humans' mean log RT per image
    folder = load_image_folder(GEIRHOS / "stimuli" / "edges", size=32)
    with torch.no_grad():
        steps = candidate.model(to_input(torch.from_numpy(folder.images), candidate.model.config)).expected_steps.numpy()
    model_rt = dict(zip((Path(i).name for i in folder.ids), steps))
    trials = load_human(GEIRHOS / "raw-data" / "edge-experiment").trials
    trials = trials[trials["responded"]]
    human = np.log(trials["rt"]).groupby(trials["stimulus"]).mean()
    by_hand = scipy.stats.spearmanr([model_rt[s] for s in human.index], human.to_numpy())[0]
    assert float(score.attrs["raw"]) == pytest.approx(by_hand, abs=1e-12)
    assert float(score) == pytest.approx(min(max(by_hand / float(score.attrs["ceiling"]), 0.0), 1.0), abs=1e-12)
    assert len(score.attrs["per_image"]) == 160


def test_default_route_decodes_time_binned_responses_of_a_neurogrow_model():
    score = nb.load_benchmark("Geirhos2019edge-rt")(tiny_brain_model())
    assert score.attrs["rt_source"] == "decoding"
    per_image = score.attrs["per_image"]
    assert per_image["model_rt"].between(70, 250).all()
    assert float(score.attrs["raw"]) == pytest.approx(
        scipy.stats.spearmanr(per_image["model_rt"], per_image["human_mean_log_rt"])[0], abs=1e-12
    )
    one_step = nb.load_benchmark("Geirhos2019edge-rt")(tiny_brain_model(steps=1))
    assert np.isnan(float(one_step)) and "do not vary" in one_step.attrs["note"]


def test_registry_errors_name_the_identifier():
    with pytest.raises(NeurogrowError, match="unknown model 'no-such-model'"):
        nb.load_model("no-such-model")
    with pytest.raises(NeurogrowError, match="unknown benchmark 'Geirhos2019-nope'"):
        nb.load_benchmark("Geirhos2019-nope")
    with pytest.raises(NeurogrowError, match=r"'Geirhos2019edge-rt_temporal' was renamed.*'Geirhos2019edge-rt'"):
        nb.load_benchmark("Geirhos2019edge-rt_temporal")
    with pytest.raises(NeurogrowError, match="declares no reaction_time task"):

        class NoTime:
            identifier = "no-time"

            def visual_degrees(self):
                return 3

        nb.load_benchmark("Geirhos2019edge-rt", rt_source="native")(NoTime())


@pytest.fixture(scope="module")
def tiny_model_file(tmp_path_factory):
    """An untrained two-layer model saved as a neurogrow model file."""
    path = tmp_path_factory.mktemp("brainscore") / "tiny.pt"
    save_model(path, LatticeRCNN(ModelConfig(channels=[4, 8], max_channels=8, steps=3, class_names=CIFAR10)), {})
    return path


def test_cli_lists_the_identifiers(capsys):
    assert main(["brainscore", "list"]) == 0
    out = capsys.readouterr().out
    assert "neurogrow-blt-cifar10-adaptive" in out and "Geirhos2019silhouette-rt" in out and "groups:     Geirhos2019-rt" in out


def test_cli_scores_a_model_file_and_writes_json(tiny_model_file, tmp_path, capsys):
    out = tmp_path / "score.json"
    args = ["brainscore", "score", "--model", str(tiny_model_file), "--benchmark", "Geirhos2019-rt", "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Geirhos2019-rt on neurogrow-tiny" in printed and "ceiling" in printed
    result = json.loads(out.read_text())
    assert result["model"] == "neurogrow-tiny" and result["benchmark"] == "Geirhos2019-rt"
    assert result["rt_source"] == "decoding" and result["n_images"] == 320
    assert result["per_experiment"]["edge"]["benchmark"] == "Geirhos2019edge-rt"
    edge = result["per_experiment"]["edge"]
    assert edge["ceiling"] == pytest.approx(0.67, abs=0.01)
    assert edge["score"] == pytest.approx(min(max(edge["raw"] / edge["ceiling"], 0), 1), abs=1e-12)
    scores = [r["score"] for r in result["per_experiment"].values()]
    assert result["score"] == pytest.approx(sum(scores) / 2, abs=1e-12)
    # the JSON is not overwritten without --overwrite
    assert main(args) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    edge_only = ["brainscore", "score", "--model", str(tiny_model_file), "--benchmark", "Geirhos2019edge-rt"]
    assert main(edge_only + ["--json", str(out), "--overwrite"]) == 0
    result = json.loads(out.read_text())
    assert result["benchmark"] == "Geirhos2019edge-rt" and result["raw"] == pytest.approx(edge["raw"], abs=1e-12)
    assert main(edge_only + ["--rt", "native", "--json", str(out), "--overwrite"]) == 0
    native = json.loads(out.read_text())
    assert native["rt_source"] == "native" and native["ceiling"] == pytest.approx(edge["ceiling"], abs=1e-12)


@pytest.mark.parametrize(
    "model, benchmark, message",
    [
        ("no-such-model", "Geirhos2019-rt", "unknown model 'no-such-model'"),
        ("neurogrow-blt-cifar10-adaptive", "no-such-benchmark", "unknown benchmark 'no-such-benchmark'"),
        ("neurogrow-blt-cifar10-adaptive", "Geirhos2019-rt_temporal", "'Geirhos2019-rt_temporal' was renamed"),
    ],
)
def test_cli_unknown_identifier_is_a_one_line_error(model, benchmark, message, capsys):
    # --quiet: stderr then holds only the error, not status lines
    assert main(["--quiet", "brainscore", "score", "--model", model, "--benchmark", benchmark]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("rt_source", ["decoding", "native"])
def test_recorded_scores_are_reproduced(rt_source):
    """The adaptive model's entries of the results file are what the benchmarks compute now."""
    from neurogrow.cli.brainscore import result_dict

    recorded = next(
        r for r in json.loads(RESULTS.read_text())["results"]
        if r["model"] == "neurogrow-blt-cifar10-adaptive" and r["benchmark"] == "Geirhos2019-rt" and r["rt_source"] == rt_source
    )
    now = result_dict(nb.score("neurogrow-blt-cifar10-adaptive", "Geirhos2019-rt", rt_source=rt_source))
    assert now["score"] == pytest.approx(recorded["score"], abs=1e-9)
    for e in ("edge", "silhouette"):
        assert now["per_experiment"][e]["raw"] == pytest.approx(recorded["per_experiment"][e]["raw"], abs=1e-9)
