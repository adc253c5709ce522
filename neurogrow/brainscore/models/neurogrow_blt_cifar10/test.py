"""Tests of the neurogrow model plugin (standalone: brainscore_vision, neurogrow and this folder)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
from brainscore_vision import load_model, load_model_bibtex, model_registry

from neurogrow.brainscore.brain_model import region_layer_map
from neurogrow.brainscore.timing import alignment_weights, step_time_bins
from neurogrow.data import load_image_folder
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human.layout import shipped_experiment
from neurogrow.model.inputs import to_input

IDENTIFIERS = [
    "neurogrow-blt-cifar10-adaptive",
    "neurogrow-blt-cifar10-fixed-time",
    "neurogrow-blt-cifar10-one-step",
    "neurogrow-blt-cifar10-plain",
]
EDGES = shipped_experiment("edges")[0]
#: A few shipped stimuli: (category, file).
FILES = [("airplane", "airplane1.png"), ("car", "car2.png"), ("cat", "cat3.png"), ("boat", "boat4.png"), ("oven", "oven5.png")]


def shipped_stimulus_set(files=FILES) -> StimulusSet:
    """A StimulusSet of shipped Geirhos edge images."""
    rows = [{"stimulus_id": f"edge-{Path(f).stem}", "image_label": c, "filename": f"{c}/{f}"} for c, f in files]
    stimuli = StimulusSet(rows)
    stimuli.stimulus_paths = {r["stimulus_id"]: EDGES / r["filename"] for r in rows}
    stimuli.identifier = "neurogrow-test-edges"
    return stimuli


def reference_output(model, stimuli: StimulusSet):
    """The model's forward pass on the stimuli, with images read as neurogrow reads an image folder."""
    data = load_image_folder(EDGES, size=model.config.image_size)
    index = {i: k for k, i in enumerate(data.ids)}
    rows = [index[f] for f in stimuli["filename"]]
    with torch.no_grad():
        return model(to_input(torch.from_numpy(data.images[rows]), model.config), return_features=True)


@pytest.fixture(scope="module", autouse=True)
def single_torch_thread():
    """Run torch on one thread here: on these small batches a second thread costs more than it saves."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def adaptive():
    return load_model("neurogrow-blt-cifar10-adaptive")


@pytest.fixture(scope="module")
def reference(adaptive):
    """The adaptive model's forward pass on :func:`shipped_stimulus_set`."""
    return reference_output(adaptive.model, shipped_stimulus_set())


def test_every_identifier_is_registered_and_loads_offline():
    for identifier in IDENTIFIERS:
        model = load_model(identifier)
        assert identifier in model_registry
        assert model.identifier == identifier
        assert model.visual_degrees() == 3


def test_bibtex_names_the_arxiv_paper():
    bibtex = load_model_bibtex("neurogrow-blt-cifar10-adaptive")
    assert "url={https://arxiv.org/abs/2605.25174}" in bibtex


def test_the_brain_model_exposes_its_torch_modules_for_metadata(adaptive):
    params = list(adaptive.parameters())
    assert sum(p.numel() for p in params) == sum(p.numel() for p in adaptive.model.parameters()) > 0
    assert any(isinstance(m, type(adaptive.model)) for m in adaptive.modules())


def test_region_layer_map_is_explicit_and_spreads_regions_bottom_to_top(adaptive):
    assert adaptive.region_layer_map == {"V1": "layer1", "V2": "layer2", "V4": "layer3", "IT": "layer4"}
    assert region_layer_map(2) == {"V1": "layer1", "V2": "layer1", "V4": "layer2", "IT": "layer2"}
    assert region_layer_map(1) == dict.fromkeys(["V1", "V2", "V4", "IT"], "layer1")


def test_steps_map_to_25_ms_bins_from_70_ms():
    assert step_time_bins(4) == [(70, 95), (95, 120), (120, 145), (145, 170)]
    w = alignment_weights([(70, 95), (70, 170), (90, 100), (0, 50), (300, 310)], 4)
    np.testing.assert_allclose(w[0], [1, 0, 0, 0])
    np.testing.assert_allclose(w[1], [0.25, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(w[2], [0.5, 0.5, 0, 0])
    np.testing.assert_allclose(w[3], [1, 0, 0, 0])  # before the response: the first step
    np.testing.assert_allclose(w[4], [0, 0, 0, 1])  # after it: the last step


def test_look_at_stimulus_set_records_it_with_one_time_bin_per_step(adaptive, reference):
    stimuli = shipped_stimulus_set()
    steps = adaptive.model.steps
    adaptive.start_recording("IT", adaptive.step_time_bins)
    rec = adaptive.look_at(stimuli)
    assert rec.dims == ("presentation", "neuroid", "time_bin")
    assert rec.shape == (len(stimuli), adaptive.model.window["channels"][3], steps)
    assert list(rec["stimulus_id"].values) == list(stimuli["stimulus_id"])
    assert list(rec["image_label"].values) == list(stimuli["image_label"])  # StimulusSet columns become coords
    assert list(rec["time_bin_start"].values) == [70, 95, 120, 145]
    assert set(rec["region"].values) == {"IT"} and set(rec["layer"].values) == {"layer4"}
    assert rec.attrs["recordings"] == ["layer4-t1", "layer4-t2", "layer4-t3", "layer4-t4"]
    for t in range(steps):
        np.testing.assert_allclose(rec.values[:, :, t], reference.features[t][3].numpy(), rtol=1e-5, atol=1e-6)


def test_requested_bins_are_aligned_to_steps(adaptive):
    stimuli = shipped_stimulus_set(FILES[:2])
    adaptive.start_recording("V1", adaptive.step_time_bins)
    per_step = adaptive.look_at(stimuli).values
    adaptive.start_recording("V1", [(70, 170), (400, 500)])
    rec = adaptive.look_at(stimuli)
    assert rec.sizes["time_bin"] == 2 and set(rec["layer"].values) == {"layer1"}
    np.testing.assert_allclose(rec.values[:, :, 0], per_step.mean(axis=2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rec.values[:, :, 1], per_step[:, :, -1], rtol=1e-6)


def test_one_step_model_has_one_time_bin():
    model = load_model("neurogrow-blt-cifar10-one-step")
    model.start_recording("IT", model.step_time_bins)
    assert model.look_at(shipped_stimulus_set(FILES[:2])).sizes["time_bin"] == 1


def test_label_answers_among_the_choices_the_model_knows(adaptive, reference):
    stimuli = shipped_stimulus_set()
    choices = ["airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat", "chair", "clock", "dog",
               "elephant", "keyboard", "knife", "oven", "truck"]
    adaptive.start_task("label", choices)
    labels = adaptive.look_at(stimuli)
    assert labels.dims == ("choice", "presentation") and labels.shape == (1, len(stimuli))
    answers = labels.values[0]
    assert set(answers) <= {"airplane", "bird", "boat", "car", "cat", "dog", "truck"}
    ref = reference.mixture_probs().numpy()
    known = {"airplane": 0, "car": 1, "bird": 2, "cat": 3, "dog": 5, "boat": 8, "truck": 9}
    expected = [max(known, key=lambda c: row[known[c]]) for row in ref]
    assert list(answers) == expected


def test_probabilities_are_the_halting_mixture(adaptive, reference):
    stimuli = shipped_stimulus_set()
    adaptive.start_task("probabilities")
    probs = adaptive.look_at(stimuli)
    assert probs.dims == ("presentation", "choice")
    assert list(probs["choice"].values) == adaptive.model.class_names
    np.testing.assert_allclose(probs.values.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probs.values, reference.mixture_probs().numpy(), rtol=1e-5, atol=1e-7)


def test_probabilities_with_fitting_stimuli_fit_a_readout_to_their_labels(adaptive):
    stimuli = shipped_stimulus_set()
    adaptive.start_task("probabilities", stimuli)
    probs = adaptive.look_at(stimuli)
    assert sorted(probs["choice"].values) == sorted(stimuli["image_label"])
    np.testing.assert_allclose(probs.values.sum(axis=1), 1.0, rtol=1e-6)


def test_weights_are_the_pinned_files_and_go_through_load_weight_file_once_uploaded(monkeypatch, tmp_path):
    from . import model as plugin

    for identifier in IDENTIFIERS:
        path = plugin.weight_file(identifier)
        assert path.name == plugin.WEIGHTS[identifier][0] and plugin._sha1(path) == plugin.WEIGHTS[identifier][1]
    calls = []
    copy = tmp_path / "blt-cifar10-adaptive.pt"
    copy.write_bytes(plugin.weight_file(IDENTIFIERS[0]).read_bytes())

    def fake_load_weight_file(**kwargs):  # Brain-Score's loader, offline: what it would return from its cache
        calls.append(kwargs)
        return copy

    import brainscore_core.supported_data_standards.brainio.s3 as s3

    monkeypatch.setattr(s3, "load_weight_file", fake_load_weight_file)
    monkeypatch.setitem(plugin.VERSION_IDS, IDENTIFIERS[0], "v1")
    assert plugin.weight_file(IDENTIFIERS[0]) == copy
    assert calls == [{"bucket": "brainscore-storage", "folder_name": "brainscore-vision/models",
                      "relative_path": "neurogrow_blt_cifar10/blt-cifar10-adaptive.pt", "version_id": "v1",
                      "sha1": plugin.WEIGHTS[IDENTIFIERS[0]][1]}]
    copy.write_bytes(b"not the weights")
    with pytest.raises(NeurogrowError, match="is not the pinned"):
        plugin.weight_file(IDENTIFIERS[0])


def test_imagenet_labels_are_declined_as_not_implemented(adaptive):
    with pytest.raises(NotImplementedError, match="not ImageNet synsets") as info:
        adaptive.start_task("label", "imagenet")
    assert len(str(info.value).splitlines()) == 1


def test_model_bad_input_gives_one_line_errors(adaptive, tmp_path):
    missing = shipped_stimulus_set(FILES[:2])
    missing.stimulus_paths[missing["stimulus_id"].iloc[1]] = tmp_path / "gone.png"
    adaptive.start_task("probabilities")
    with pytest.raises(DataError, match=r"gone.png: stimulus file not found"):
        adaptive.look_at(missing)
    with pytest.raises(NeurogrowError, match="none of the choice labels"):
        adaptive.start_task("label", ["bear", "oven"])
    with pytest.raises(NeurogrowError, match="recording target 'MT'"):
        adaptive.start_recording("MT", [(70, 170)])
    with pytest.raises(NeurogrowError, match="start < end"):
        adaptive.start_recording("IT", [(170, 70)])
    with pytest.raises(NeurogrowError, match="task 'odd_one_out'"):
        adaptive.start_task("odd_one_out")
