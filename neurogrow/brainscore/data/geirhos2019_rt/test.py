"""Tests of the Geirhos2019_rt data plugin (standalone: brainscore_vision, neurogrow and this folder)."""
import shutil
from pathlib import Path

import numpy as np
import pytest
from brainscore_vision import load_dataset, load_stimulus_set

from neurogrow.errors import DataError

from .data import geirhos2019_dir
from .data import load_stimulus_set as load_from


@pytest.mark.parametrize("experiment", ["edge", "silhouette"])
def test_stimulus_set_and_trials(experiment):
    identifier = f"Geirhos2019_rt_{experiment}"
    stimuli = load_stimulus_set(identifier)
    assert len(stimuli) == 160 and stimuli["stimulus_id"].is_unique
    assert stimuli.identifier == identifier
    assert all(Path(stimuli.get_stimulus(s)).is_file() for s in stimuli["stimulus_id"])
    assert stimuli["image_label"].nunique() == 16
    trials = load_dataset(identifier)
    assert trials.dims == ("presentation",) and trials.sizes["presentation"] == 1600
    assert set(trials["stimulus_id"].values) == set(stimuli["stimulus_id"])
    assert len(set(trials["subject"].values)) == 10
    rt = trials["response_time"].values
    responded = trials["responded"].values
    assert np.isnan(rt[~responded]).all() and (rt[responded] > 0).all()
    np.testing.assert_array_equal(trials.values[responded], rt[responded])
    assert list(trials.stimulus_set["stimulus_id"]) == list(stimuli["stimulus_id"])


def test_first_trial_is_the_first_row_of_the_first_subject_file():
    trials = load_dataset("Geirhos2019_rt_edge")
    # edge-experiment_subject-01_session_1.csv, first row: rt 0.868942022323608, image oven10, answer knife
    assert trials["stimulus_id"].values[0] == "edge-oven10" and trials["subject"].values[0] == "subject-01"
    assert trials["response_time"].values[0] == pytest.approx(0.868942022323608)
    assert trials["correct"].values[0] == 0.0


def test_a_missing_stimulus_is_a_one_line_error(tmp_path):
    root = tmp_path / "geirhos2019"
    shutil.copytree(geirhos2019_dir() / "raw-data" / "edge-experiment", root / "raw-data" / "edge-experiment")
    shutil.copytree(geirhos2019_dir() / "stimuli" / "edges", root / "stimuli" / "edges")
    (root / "stimuli" / "edges" / "oven" / "oven10.png").unlink()
    with pytest.raises(DataError, match=r"oven10.png: stimulus file not found"):
        load_from("edge", root)
