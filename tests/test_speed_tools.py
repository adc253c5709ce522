"""The speed benchmarks' roofline arithmetic, the README table generated from the one results
file, and the recipe config of the time-to-accuracy run."""
import dataclasses
import json
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks" / "speed"))

import importlib.util  # noqa: E402

# benchmarks/findings has a `common` module too: load the speed one under its own name
_spec = importlib.util.spec_from_file_location("speed_common", ROOT / "benchmarks" / "speed" / "common.py")
assert _spec is not None and _spec.loader is not None
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)
import readme_table  # noqa: E402

from neurogrow.train import load_config  # noqa: E402


def test_roofline_fractions_pair_each_figure_with_the_kernels_timed_beside_it():
    kernels = {"matmul_fp32": (None, 100), "conv3x3_fp32": (None, 50)}
    # repeat 0 quiet, repeat 1 twice as slow for everything: the paired fractions do not move
    times = {
        "matmul_fp32": {"wall": [1.0, 2.0]},  # 100, 50 FLOP/s
        "conv3x3_fp32": {"wall": [1.0, 2.0]},  # 50, 25 FLOP/s
        "model": {"wall": [2.0, 4.0]},  # 40 FLOPs -> 20, 10 FLOP/s
    }
    r = common.roofline_report(times, kernels, {"model": 40})
    assert r["figures"]["model"]["fraction_of"] == {"matmul_fp32": 0.2, "conv3x3_fp32": 0.4}
    assert r["figures"]["model"]["flops_per_call"] == 40


def test_roofline_kernels_count_their_flops():
    kernels = common.roofline_kernels(torch.device("cpu"), matmul_size=64)
    assert set(kernels) == {"matmul_fp32", "conv3x3_fp32", "conv3x3_fp32_channels_last"}
    for name, (fn, flops) in kernels.items():
        assert common.count_flops(fn) == flops, name


def _results() -> dict:
    hw = {"cpu_model": "X", "torch_threads": 2, "cpu_cores": 2, "torch": "2", "load_average_1min": 1.0}
    fig = {"gflops": 100.0, "fraction_of": {"matmul_fp32": 0.5, "conv3x3_fp32": 0.25, "conv3x3_fp32_channels_last": 0.2}}
    return {
        "train_step": {
            "hardware": hw,
            "batch_size": 128,
            "ratio": 1.08,
            "goal": 1.15,
            "goal_met": True,
            "images_per_s": {"lattice": 110.0, "lattice_channels_last": 120.0, "plain_blt": 120.0},
            "channels_last": {"ratio_to_nchw": 0.9, "pays": True},
            "growth_update": {"median_s": 0.01, "first_step_after_change_s": 1.2, "second_step_after_change_s": 1.0},
            "roofline": {
                "kernels_gflops": {"matmul_fp32": 150.0, "conv3x3_fp32": 140.0, "conv3x3_fp32_channels_last": 160.0},
                "figures": {"lattice": fig},
            },
        },
        "time_to_accuracy": {
            "test": {"accuracy": 0.8123},
            "finished": False,
            "epochs_done": 3,
            "epochs_planned": 8,
            "per_epoch": [{"test_accuracy": 0.5}, {"test_accuracy": 0.7}],
            "halting": {"expected_steps_sd": 0.4},
            "goal": {"accuracy": 0.87, "epochs": 8},
            "goal_met": False,
        },
        "gpu": {"measured": False},
    }


def test_readme_table_is_generated_from_the_results_file(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results()))
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{readme_table.START}\nstale\n{readme_table.END}\noutro\n")
    args = ["--results", str(results), "--readme", str(readme)]
    assert readme_table.main(args + ["--check"]) == 1  # stale
    assert readme_table.main(args) == 0
    text = readme.read_text()
    assert "stale" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert "110 images/s" in text and "50 % of the fp32 matmul rate" in text
    assert "0.8123 after 3 of 8 epochs (unfinished)" in text
    assert "unmeasured" in text
    assert readme_table.main(args + ["--check"]) == 0


def test_readme_table_refuses_a_readme_without_markers(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results()))
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n")
    assert readme_table.main(["--results", str(results), "--readme", str(readme)]) == 2
    assert "markers" in capsys.readouterr().err


def test_the_recipe_keeps_the_shipped_window_limits_and_prices():
    recipe = load_config(ROOT / "benchmarks" / "speed" / "recipe_8_epochs.toml")
    shipped = load_config(ROOT / "neurogrow" / "zoo" / "blt-cifar10-adaptive.toml")
    assert recipe.optim.epochs <= 8
    # the same prices; the recipe trains with the halting objective of 2026-12 (the shipped model: coupled)
    assert recipe.costs == dataclasses.replace(shipped.costs, time_objective="optimal-stop")
    assert shipped.costs.time_objective == "coupled"
    for key in ("max_channels", "max_layers", "max_steps", "time_mode", "channels", "steps"):
        assert getattr(recipe.model, key) == getattr(shipped.model, key), key
    assert recipe.growth == shipped.growth
    assert recipe.model.time_mode == "adaptive"


@pytest.mark.skipif(not (ROOT / "README.md").is_file(), reason="no README")
def test_the_readme_table_matches_the_committed_results():
    results = ROOT / "benchmarks" / "results" / "speed" / "results.json"
    if not results.is_file():
        pytest.skip("no results file yet")
    assert readme_table.main(["--results", str(results), "--check"]) == 0, (
        "README speed table is stale: run python benchmarks/speed/readme_table.py"
    )


def test_time_to_accuracy_goal_rule():
    """Each condition of the goal can fail it on its own (planted values around each bound)."""
    import time_to_accuracy as tta

    assert tta.goal_met(True, 8, 0.87, 0.1)
    assert not tta.goal_met(False, 8, 0.90, 0.5)  # unfinished
    assert not tta.goal_met(True, 9, 0.90, 0.5)  # too many epochs
    assert not tta.goal_met(True, 8, 0.8699, 0.5)  # below the accuracy
    assert not tta.goal_met(True, 8, 0.90, 0.099)  # halting alike on every image
