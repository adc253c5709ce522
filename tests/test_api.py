"""The Python API (neurogrow.classify / extract / compare_rt / compare_rsa) and its sharing with the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import neurogrow
from neurogrow.errors import DataError, NeurogrowError

ROOT = Path(__file__).resolve().parents[1]
EDGES = ROOT / "human_data" / "geirhos2019" / "stimuli" / "edges"
EDGE_TRIALS = ROOT / "human_data" / "geirhos2019" / "raw-data" / "edge-experiment"


@pytest.fixture(scope="module")
def model():
    return neurogrow.load_model()


def test_import_is_light():
    code = "import sys, neurogrow; print('torch' in sys.modules, 'pandas' in sys.modules, callable(neurogrow.classify))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False", "True"]


def test_classify_every_input_kind(model, tmp_path):
    rng = np.random.default_rng(0)
    png = tmp_path / "big.png"
    Image.fromarray(rng.integers(0, 255, (120, 90, 3), dtype=np.uint8)).save(png)
    images = [
        str(png),
        png,  # Path
        Image.new("RGBA", (300, 200), (200, 10, 10, 128)),
        rng.integers(0, 255, (17, 40), dtype=np.uint8),  # grey
        rng.random((50, 50, 3)),  # float in [0, 1]
        rng.integers(0, 255, (8, 8, 4), dtype=np.uint8),  # RGBA array
    ]
    df = neurogrow.classify(images, model=model)
    T, classes = model.steps, model.class_names
    assert len(df) == len(images)
    assert list(df["stimulus"][:2]) == [str(png), str(png)]
    assert list(df["stimulus"][3:]) == ["array3", "array4", "array5"]
    for col in ("prediction", "probability", "expected_steps", "exit_step", "mixture_prediction"):
        assert col in df
    probs = np.stack([np.stack([df[f"p_t{t}_{c}"].to_numpy() for c in classes], -1) for t in range(1, T + 1)], axis=1)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    halting = df[[f"halting_t{t}" for t in range(1, T + 1)]].to_numpy()
    np.testing.assert_allclose(halting.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(df["expected_steps"], halting @ np.arange(1, T + 1), atol=1e-5)
    cum = halting.cumsum(1)
    np.testing.assert_array_equal(df["exit_step"], (cum >= 0.5 - 1e-6).argmax(1) + 1)
    at_exit = probs[np.arange(len(df)), df["exit_step"].to_numpy() - 1]
    assert [classes[i] for i in at_exit.argmax(1)] == list(df["prediction"])
    np.testing.assert_allclose(df["probability"], at_exit.max(1), atol=1e-6)
    # a path and the same file as a Path give the same row
    pd.testing.assert_series_equal(df.iloc[0, 1:], df.iloc[1, 1:], check_names=False)
    assert df.attrs["model"] == "blt-cifar10-adaptive" and df.attrs["class_names"] == classes


def test_classify_batch_array_and_folder_match_extract(model):
    """classify reads images exactly as `neurogrow extract --images` does (one conversion)."""
    folder = EDGES / "boat"
    by_folder = neurogrow.classify(folder, model=model)
    ex = neurogrow.extract(model, images=EDGES).table
    ex = ex[ex["stimulus"].str.startswith("boat/")].reset_index(drop=True)
    assert len(by_folder) == len(ex) == 10
    assert [Path(s).name for s in by_folder["stimulus"]] == [Path(s).name for s in ex["stimulus"]]
    np.testing.assert_allclose(by_folder["expected_steps"], ex["expected_steps"], atol=1e-5)
    assert list(by_folder["exit_step"]) == list(ex["exit_step"])
    assert list(by_folder["prediction"]) == list(ex["prediction"])
    batch = np.stack([np.asarray(Image.open(folder / Path(s).name).convert("RGB")) for s in by_folder["stimulus"]])
    by_array = neurogrow.classify(batch, model=model)
    np.testing.assert_allclose(by_array["expected_steps"], by_folder["expected_steps"], atol=1e-6)


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.full((10, 10, 3), 2.0), "outside [0, 1]"),
        (np.zeros((3, 10, 12), np.uint8), "channels first"),
        (np.zeros((10, 10, 5), np.uint8), "height x width"),
        (np.zeros((10, 10), np.int64), "uint8"),
        ("no/such/file.png", "no such image file"),
        ([], "no images"),
    ],
)
def test_classify_bad_input_is_one_clear_error(model, bad, words):
    with pytest.raises(NeurogrowError, match=None) as exc:
        neurogrow.classify(bad, model=model)
    assert words in str(exc.value)


def _small_rt(**kw):
    return dict(n_boot=50, n_perm=50, n_splits=5, mixed_model=False, **kw)


def test_extract_and_compare_rt_from_python_match_the_cli(model, tmp_path):
    from neurogrow.cli import main
    from neurogrow.io import read_times

    h5 = tmp_path / "times.h5"
    result = neurogrow.extract("blt-cifar10-adaptive", images=EDGES, out=h5, class_map="geirhos16")
    assert len(result.table) == 160 and h5.is_file()
    assert list(read_times(h5)["expected_steps"].round(6)) == list(result.table["expected_steps"].round(6))
    with pytest.raises(NeurogrowError, match="already exists"):
        neurogrow.extract(model, images=EDGES, out=h5)

    from_result = neurogrow.compare_rt(result, EDGE_TRIALS, **_small_rt())
    from_file = neurogrow.compare_rt(h5, EDGE_TRIALS, tmp_path / "py", **_small_rt())
    assert from_result.summary["spearman"] == from_file.summary["spearman"]
    assert from_file.summary["n_stimuli"] == 160
    rc = main(["--quiet", "compare-rt", str(h5), str(EDGE_TRIALS), "--out", str(tmp_path / "cli"),
               "--n-boot", "50", "--n-perm", "50", "--n-splits", "5", "--no-mixed-model"])
    assert rc == 0
    cli = json.loads((tmp_path / "cli" / "summary.json").read_text())
    py = json.loads((tmp_path / "py" / "summary.json").read_text())
    for key in ("spearman", "pearson", "noise_ceiling", "within_category", "n_stimuli"):
        assert cli[key] == py[key], key


def test_compare_rt_dataframe_checked(tmp_path):
    bad = pd.DataFrame({"stimulus": ["a", "b"], "model_time": [1.0, float("nan")]})
    with pytest.raises(DataError, match="stimulus 'b' has model time nan; expected a finite number"):
        neurogrow.compare_rt(bad, EDGE_TRIALS, **_small_rt())
    with pytest.raises(DataError, match="no column model_time"):
        neurogrow.compare_rt(pd.DataFrame({"stimulus": ["a"]}), EDGE_TRIALS)


def test_compare_rsa_from_python(model, tmp_path):
    h5 = tmp_path / "acts.h5"
    neurogrow.extract(model, images=EDGES, out=h5, activations=True)
    res = neurogrow.compare_rsa(h5, EDGE_TRIALS, tmp_path / "rsa", comparators="spearman", n_boot=0)
    assert (tmp_path / "rsa" / "summary.json").is_file()
    assert "spearman" in res.evaluations
    written = json.loads((tmp_path / "rsa" / "summary.json").read_text())
    assert set(res.summary) <= set(written)
    assert written["inputs"]["model"] == str(h5)


def test_classify_keeps_the_loaded_model(monkeypatch):
    """A second classify with the same model name does not read the model file again."""
    import numpy as np

    import neurogrow
    from neurogrow import api, zoo

    api._LOADED.clear()
    calls = []
    real = zoo.load_model
    monkeypatch.setattr(zoo, "load_model", lambda *a, **k: calls.append(a) or real(*a, **k))
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    first = neurogrow.classify(image)
    second = neurogrow.classify(image, model="blt-cifar10-adaptive")
    assert len(calls) == 1 and first.equals(second)
