"""Brain-Score integration on neurogrow's side: the registry, the offline data stand-ins, the ``neurogrow brainscore`` command.

The plugins' own tests (``test.py`` in each plugin folder) run inside a brainscore_vision tree:
``tests/test_brainscore_plugins.py``.
"""
import os

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("RESULTCACHING_DISABLE", "1")

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import torch

import neurogrow.brainscore as nb
from neurogrow.brainscore.brain_model import NeurogrowBrainModel
from neurogrow.brainscore.standin import load_assembly, load_stimulus_set
from neurogrow.cli import main
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human.layout import human_data_dir
from neurogrow.model import ModelConfig
from neurogrow.model.files import save_model
from neurogrow.model.lattice import LatticeRCNN

from conftest import RESULTS as RESULTS_DIR

RESULTS = RESULTS_DIR / "brainscore" / "geirhos2021_solution_time_rt.json"
CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
GEIRHOS = human_data_dir() / "geirhos2019"
EDGE, SILHOUETTE, GROUP = "Geirhos2021edge-solution_time_rt", "Geirhos2021silhouette-solution_time_rt", "Geirhos2021-solution_time_rt"


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
    assert nb.benchmark_ids() == [EDGE, SILHOUETTE]
    assert nb.group_ids() == [GROUP]


def test_importing_the_integration_changes_no_environment_variable():
    code = "import os; before = dict(os.environ); import neurogrow.brainscore; print(dict(os.environ) == before)"
    env = {k: v for k, v in os.environ.items() if k not in ("BS_INSTALL_DEPENDENCIES", "RESULTCACHING_DISABLE")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr[-2000:]


def test_shipped_human_data_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("NEUROGROW_HUMAN_DATA", raising=False)
    assert (human_data_dir() / "geirhos2019" / "raw-data" / "edge-experiment").is_dir()
    monkeypatch.setenv("NEUROGROW_HUMAN_DATA", str(tmp_path))
    assert human_data_dir() == tmp_path
    monkeypatch.setenv("NEUROGROW_HUMAN_DATA", str(tmp_path / "nope"))
    with pytest.raises(DataError, match=r"NEUROGROW_HUMAN_DATA=.*nope: no such folder"):
        human_data_dir()


@pytest.mark.parametrize("dataset, prefix", [("edge", "edg"), ("silhouette", "sif")])
def test_standins_have_the_structure_of_brainscores_geirhos2021_packaging(dataset, prefix):
    """Identifiers, coordinates and stimulus ids as brain-score/vision's data/geirhos2021/data_packaging gives them."""
    stimuli = load_stimulus_set(dataset)
    assert stimuli.identifier == f"Geirhos2021_{dataset}" and len(stimuli) == 160
    assert set(stimuli.columns) == {"stimulus_id", "image_id", "image_category", "truth", "image_variation", "condition", "filename"}
    assert (stimuli["stimulus_id"] == stimuli["image_id"]).all() and "airplane1" in set(stimuli["stimulus_id"])
    assert stimuli["truth"].nunique() == 16 and all(stimuli.get_stimulus(s).is_file() for s in stimuli["stimulus_id"][:3])
    trials = load_assembly(dataset)
    assert trials.attrs["identifier"] == f"brendel.Geirhos2021_{dataset}" and trials.stimulus_set.identifier == stimuli.identifier
    packaged = {"image_id", "image_id_long", "truth", "choice", "category", "condition", "response_time", "trial", "subject", "session"}
    coords = set(trials.indexes["presentation"].names)
    assert coords == packaged | {"stimulus_id", "image_category", "image_variation", "filename"}
    assert trials.sizes["presentation"] == 1600 and len(set(trials["subject"].values)) == 10
    assert set(trials["stimulus_id"].values) == set(stimuli["stimulus_id"])
    first = pd.read_csv(sorted((GEIRHOS / "raw-data").glob(f"{dataset}*/*subject-01_session_1.csv"))[0]).iloc[0]
    assert trials["image_id_long"].values[0] == first["imagename"] and first["imagename"].split("_")[1] == prefix
    assert trials["stimulus_id"].values[0] == first["imagename"].split("_")[6].removesuffix(".png")
    assert trials.values[0] == first["object_response"] and trials["response_time"].values[0] == pytest.approx(first["rt"])
    rt = trials["response_time"].values
    assert np.isnan(rt).sum() == (trials.values == "na").sum() > 0


def test_the_benchmark_decodes_time_binned_responses_of_a_neurogrow_model():
    score = nb.load_benchmark(EDGE)(tiny_brain_model())
    per_image = score.attrs["per_image"]
    assert per_image["model_rt"].between(70, 250).all()
    assert float(score.attrs["raw"]) == pytest.approx(
        scipy.stats.spearmanr(per_image["model_rt"], per_image["human_mean_log_rt"])[0], abs=1e-12
    )
    assert 0 < float(score.attrs["error"]) < 1
    one_step = nb.load_benchmark(EDGE)(tiny_brain_model(steps=1))
    assert np.isnan(float(one_step)) and "do not change over the 18 time bins" in one_step.attrs["note"]


def test_registry_errors_name_the_identifier():
    with pytest.raises(NeurogrowError, match="unknown model 'no-such-model'"):
        nb.load_model("no-such-model")
    with pytest.raises(NeurogrowError, match="unknown benchmark 'Geirhos2019-nope'"):
        nb.load_benchmark("Geirhos2019-nope")
    with pytest.raises(NeurogrowError, match=rf"'Geirhos2019edge-rt_temporal' was renamed to '{EDGE}'"):
        nb.load_benchmark("Geirhos2019edge-rt_temporal")
    with pytest.raises(NeurogrowError, match=rf"'Geirhos2019-rt' was renamed to '{GROUP}'"):
        nb.load_benchmark("Geirhos2019-rt")


@pytest.fixture(scope="module")
def tiny_model_file(tmp_path_factory):
    """An untrained two-layer model saved as a neurogrow model file."""
    path = tmp_path_factory.mktemp("brainscore") / "tiny.pt"
    save_model(path, LatticeRCNN(ModelConfig(channels=[4, 8], max_channels=8, steps=3, class_names=CIFAR10)), {})
    return path


def test_cli_lists_the_identifiers(capsys):
    assert main(["brainscore", "list"]) == 0
    out = capsys.readouterr().out
    assert "neurogrow-blt-cifar10-adaptive" in out and SILHOUETTE in out and f"groups:     {GROUP}" in out


def test_cli_scores_a_model_file_and_writes_json(tiny_model_file, tmp_path, capsys):
    out = tmp_path / "score.json"
    args = ["brainscore", "score", "--model", str(tiny_model_file), "--benchmark", GROUP, "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"{GROUP} on neurogrow-tiny" in printed and "ceiling" in printed and "error" in printed
    result = json.loads(out.read_text())
    assert result["model"] == "neurogrow-tiny" and result["benchmark"] == GROUP and result["n_images"] == 320
    assert result["per_experiment"]["edge"]["benchmark"] == EDGE
    edge = result["per_experiment"]["edge"]
    assert edge["ceiling"] == pytest.approx(0.665, abs=0.005) and 0 < edge["error"] < 1 and edge["ceiling_error"] > 0
    assert edge["score"] == pytest.approx(min(max(edge["raw"] / edge["ceiling"], 0), 1), abs=1e-12)
    scores = [r["score"] for r in result["per_experiment"].values()]
    assert result["score"] == pytest.approx(sum(scores) / 2, abs=1e-12)
    # the JSON is not overwritten without --overwrite
    assert main(args) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    edge_only = ["brainscore", "score", "--model", str(tiny_model_file), "--benchmark", EDGE]
    assert main(edge_only + ["--json", str(out), "--overwrite"]) == 0
    result = json.loads(out.read_text())
    assert result["benchmark"] == EDGE and result["raw"] == pytest.approx(edge["raw"], abs=1e-12)


@pytest.mark.parametrize(
    "model, benchmark, message",
    [
        ("no-such-model", GROUP, "unknown model 'no-such-model'"),
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
def test_recorded_scores_are_reproduced():
    """The adaptive model's entry of the results file is what the benchmarks compute now."""
    from neurogrow.cli.brainscore import result_dict

    recorded = next(
        r for r in json.loads(RESULTS.read_text())["results"] if r["model"] == "neurogrow-blt-cifar10-adaptive" and r["benchmark"] == GROUP
    )
    now = result_dict(nb.score("neurogrow-blt-cifar10-adaptive", GROUP))
    assert now["score"] == pytest.approx(recorded["score"], abs=1e-9)
    for e in ("edge", "silhouette"):
        assert now["per_experiment"][e]["raw"] == pytest.approx(recorded["per_experiment"][e]["raw"], abs=1e-9)
