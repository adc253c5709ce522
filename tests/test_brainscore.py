"""Brain-Score integration: the plugins' own tests, the ``neurogrow brainscore`` command, and (slow) the recorded scores.

The model and benchmark plugins keep their tests in ``test.py`` beside them, as Brain-Score
plugins do; they are imported here so that ``pytest`` (whose test path is ``tests/``) runs them.
"""
import os

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("RESULTCACHING_DISABLE", "1")

import json

import pytest

from neurogrow.brainscore.benchmarks.geirhos2019_rt.test import *  # noqa: F403
from neurogrow.brainscore.benchmarks.geirhos2019_rt.test import CIFAR10
from neurogrow.brainscore.models.neurogrow_blt_cifar10.test import *  # noqa: F403
from neurogrow.cli import main
from neurogrow.model import ModelConfig
from neurogrow.model.files import save_model
from neurogrow.model.lattice import LatticeRCNN

from conftest import RESULTS as RESULTS_DIR

RESULTS = RESULTS_DIR / "brainscore" / "geirhos2019_rt.json"


@pytest.fixture(scope="module")
def tiny_model_file(tmp_path_factory):
    """An untrained two-layer model saved as a neurogrow model file."""
    path = tmp_path_factory.mktemp("brainscore") / "tiny.pt"
    save_model(path, LatticeRCNN(ModelConfig(channels=[4, 8], max_channels=8, steps=3, class_names=CIFAR10)), {})
    return path


def test_cli_lists_the_identifiers(capsys):
    assert main(["brainscore", "list"]) == 0
    out = capsys.readouterr().out
    assert "neurogrow-blt-cifar10-adaptive" in out and "Geirhos2019-rt_temporal" in out


def test_cli_scores_a_model_file_and_writes_json(tiny_model_file, tmp_path, capsys):
    out = tmp_path / "score.json"
    args = ["brainscore", "score", "--model", str(tiny_model_file), "--benchmark", "Geirhos2019-rt", "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Geirhos2019-rt on neurogrow-tiny" in printed and "ceiling" in printed
    result = json.loads(out.read_text())
    assert result["model"] == "neurogrow-tiny" and result["benchmark"] == "Geirhos2019-rt"
    assert result["rt_source"] == "native" and result["n_images"] == 320
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


@pytest.mark.parametrize(
    "model, benchmark, message",
    [
        ("no-such-model", "Geirhos2019-rt", "unknown model 'no-such-model'"),
        ("neurogrow-blt-cifar10-adaptive", "no-such-benchmark", "unknown benchmark 'no-such-benchmark'"),
    ],
)
def test_cli_unknown_identifier_is_a_one_line_error(model, benchmark, message, capsys):
    assert main(["brainscore", "score", "--model", model, "--benchmark", benchmark]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_recorded_scores_are_reproduced():
    """The adaptive model's entry of the results file is what the benchmark computes now."""
    import neurogrow.brainscore as nb
    from neurogrow.cli.brainscore import result_dict

    recorded = next(
        r for r in json.loads(RESULTS.read_text())["results"]
        if r["model"] == "neurogrow-blt-cifar10-adaptive" and r["benchmark"] == "Geirhos2019-rt"
    )
    now = result_dict(nb.score("neurogrow-blt-cifar10-adaptive", "Geirhos2019-rt"))
    assert now["score"] == pytest.approx(recorded["score"], abs=1e-9)
    for e in ("edge", "silhouette"):
        assert now["per_experiment"][e]["raw"] == pytest.approx(recorded["per_experiment"][e]["raw"], abs=1e-9)
