"""The shipped models: listing, loading, size, window, and (slow) their CIFAR-10 test accuracy."""
import json

import pytest
import torch

import neurogrow
from neurogrow.cli import main
from neurogrow.errors import NeurogrowError
from neurogrow.train.config import load_config
from neurogrow.zoo import ZOO_DIR, model_info

from conftest import ROOT, SHARED_CIFAR


def test_list_models_names_the_default_first():
    names = neurogrow.list_models()
    assert names[0] == "blt-cifar10-adaptive"
    assert {"blt-cifar10-fixed-time", "blt-cifar10-one-step", "blt-cifar10-plain"} <= set(names)


@pytest.mark.parametrize("name", neurogrow.list_models())
def test_each_shipped_model_loads_small_and_within_its_allowed_window(name):
    model = neurogrow.load_model(name)
    info = model_info(name)
    assert (ZOO_DIR / info["file"]).stat().st_size <= 5 * 1024 * 1024
    config = load_config(ZOO_DIR / info["config"])  # the config that trained it parses
    assert model.class_names[0] == "airplane" and len(model.class_names) == 10
    w = model.window
    largest = config.model.max_channels * config.model.max_layers
    assert sum(w["channels"]) <= largest and w["steps"] <= config.model.max_steps
    assert model.checksum.startswith("sha256:")
    out = model(torch.zeros(2, 3, 32, 32))
    assert out.logits.shape == (2, w["steps"], 10)


def test_default_model_is_adaptive_and_smaller_than_its_largest_window():
    model = neurogrow.load_model()
    config = load_config(ZOO_DIR / model_info(model.name)["config"])
    assert model.config.time_mode == "adaptive"
    assert sum(model.window["channels"]) < config.model.max_channels * config.model.max_layers
    assert model.window["steps"] < config.model.max_steps


def test_unknown_model_is_a_clear_error(capsys):
    with pytest.raises(NeurogrowError, match="neither a shipped model"):
        neurogrow.load_model("no-such-model")
    assert main(["evaluate", "no-such-model"]) == 2
    assert "no-such-model" in capsys.readouterr().err


def test_models_command_lists_the_default(capsys):
    assert main(["models"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("blt-cifar10-adaptive (default)")


@pytest.mark.slow
def test_shipped_model_accuracy_on_all_cifar10_test_images_matches_the_readme(tmp_path):
    if not SHARED_CIFAR.is_dir():
        pytest.skip(f"{SHARED_CIFAR} is not present")
    out = tmp_path / "eval.json"
    assert main(["evaluate", "blt-cifar10-adaptive", "--data-root", str(SHARED_CIFAR), "--json", str(out)]) == 0
    measured = json.loads(out.read_text())
    recorded = json.loads((ZOO_DIR / "blt-cifar10-adaptive.eval.json").read_text())
    assert measured["n"] == 10000
    assert abs(measured["accuracy"] - recorded["accuracy"]) < 0.005
    assert measured["accuracy"] >= 0.80


def test_readme_table_and_models_command_come_from_the_same_results(capsys):
    """One source: README's table == the table generated from neurogrow/zoo/*.eval.json, and
    every accuracy `neurogrow models` prints is the README's, to the digit."""
    from neurogrow.zoo.table import README_BEGIN, README_END, markdown_table, row

    readme = (ROOT / "README.md").read_text()
    shown = readme.split(README_BEGIN, 1)[1].split(README_END, 1)[0].strip()
    assert shown == markdown_table(), "README table is stale: run python benchmarks/zoo_table.py"
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in neurogrow.list_models():
        r = row(name)
        readme_row = next(line for line in shown.splitlines() if line.startswith(f"| `{name}`"))
        for key in ("accuracy", "accuracy_mixture", "mean_steps", "mean_exit_step", "mflops", "params"):
            assert r[key] in readme_row
        block = out.split(name, 1)[1]
        assert f"test accuracy {r['accuracy']} (mixture {r['accuracy_mixture']})" in block


@pytest.mark.parametrize("name", neurogrow.list_models())
def test_recorded_flops_per_step_are_the_models(name):
    """`neurogrow models` reads FLOPs from the eval JSON (no torch); they are the loaded model's count."""
    from neurogrow.inference import flops_per_step
    from neurogrow.zoo.table import evaluation

    assert evaluation(name)["flops_per_step"] == flops_per_step(neurogrow.load_model(name)).tolist()
