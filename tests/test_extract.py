"""``neurogrow extract``: model times per stimulus from a folder or a dataset, the times file, bad input."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

import neurogrow.inference.extract as extract_module
from neurogrow.cli import main
from neurogrow.data import CIFAR10_CLASSES, ImageDataset
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.inference import flops_per_step
from neurogrow.inference.extract import GEIRHOS16_TO_CIFAR10, extract_times, load_class_map, write_extract
from neurogrow.io import read_activations, read_attrs, read_step_arrays, read_times
from neurogrow.model import LatticeRCNN, ModelConfig

FOLDERS = {"cat": 3, "car": 2, "oven": 2}


def tiny_model() -> LatticeRCNN:
    cfg = ModelConfig(
        in_channels=3, num_classes=10, image_size=8, channels=[4, 6], max_channels=8, max_layers=3,
        steps=4, max_steps=6, min_resolution=4, class_names=list(CIFAR10_CLASSES),
    )
    model = LatticeRCNN(cfg, seed=0)
    with torch.no_grad():  # spread the exits of the test images over the steps
        model.readout_bias[-1] = -4.0
        for layer in model.layers:
            layer.w_readout[-1] *= -10.0
    return model.eval()


def image_folder(root, folders=FOLDERS, size: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    for name, n in folders.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(root / name / f"{name}{i}.png")
    return root


def run_cli(capsys, *args):
    # --quiet: stderr then holds only what the command says about errors, not progress lines
    rc = main(["--quiet", "extract", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


# --------------------------------------------------------------------------- API


def test_folder_table(tmp_path):
    images = image_folder(tmp_path / "stim", size=20)
    res = extract_times(tiny_model(), images, progress=False)
    t = res.table
    assert list(t.columns) == ["stimulus", "label", "expected_steps", "exit_step", "prediction", "correct", "flops", "sha256"]
    assert t["stimulus"].tolist() == sorted(f"{c}/{c}{i}.png" for c, n in FOLDERS.items() for i in range(n))
    # the identity of each stimulus: the SHA-256 of its file's bytes as read
    assert t["sha256"].tolist() == [hashlib.sha256((images / s).read_bytes()).hexdigest() for s in t["stimulus"]]
    assert res.attrs["stimulus_hash"] == "sha256 of the image file's bytes as read"
    assert t["label"].tolist() == [s.split("/")[0] for s in t["stimulus"]]
    assert t["prediction"].isin(CIFAR10_CLASSES).all()
    is_cat = t["label"] == "cat"  # the only folder named as a model class
    assert t.loc[is_cat, "correct"].notna().all() and t.loc[~is_cat, "correct"].isna().all()
    assert (t.loc[is_cat, "correct"] == (t.loc[is_cat, "prediction"] == "cat")).all()
    assert np.isfinite(t["expected_steps"]).all() and t["exit_step"].between(1, 4).all()
    assert res.step_probs.shape == (7, 4, 10) and res.halting.shape == (7, 4)
    np.testing.assert_allclose(res.halting.sum(1), 1, atol=1e-5)
    np.testing.assert_allclose(t["expected_steps"], res.halting @ np.arange(1, 5), atol=1e-5)
    assert res.attrs["mode"] == "early-exit" and json.loads(res.attrs["flops_per_step"]) == flops_per_step(tiny_model()).tolist()


def test_class_map_fills_correct(tmp_path):
    images = image_folder(tmp_path / "stim")
    t = extract_times(tiny_model(), images, class_map="geirhos16", progress=False).table
    scored = t["label"].isin(["cat", "car"])
    assert t.loc[scored, "correct"].notna().all() and t.loc[~scored, "correct"].isna().all()
    car = t["label"] == "car"
    assert (t.loc[car, "correct"] == (t.loc[car, "prediction"] == "automobile")).all()
    assert t["label"].tolist().count("car") == 2  # the label stays the folder name


def test_geirhos16_map():
    mapped = {k: v for k, v in GEIRHOS16_TO_CIFAR10.items() if v is not None}
    assert len(GEIRHOS16_TO_CIFAR10) == 16
    assert mapped == {"airplane": "airplane", "car": "automobile", "bird": "bird", "cat": "cat", "dog": "dog", "truck": "truck", "boat": "ship"}
    assert set(mapped.values()) <= set(CIFAR10_CLASSES)


def test_class_map_csv(tmp_path):
    good = tmp_path / "map.csv"
    good.write_text("folder,class\ncar,automobile\noven,\n")
    assert load_class_map(good, list(CIFAR10_CLASSES)) == {"car": "automobile", "oven": None}
    bad = tmp_path / "bad.csv"
    bad.write_text("folder,class\ncar,vehicle\n")
    with pytest.raises(DataError, match="'car' maps to 'vehicle'"):
        load_class_map(bad, list(CIFAR10_CLASSES))
    cols = tmp_path / "cols.csv"
    cols.write_text("name,target\ncar,automobile\n")
    with pytest.raises(DataError, match="folder,class"):
        load_class_map(cols, list(CIFAR10_CLASSES))
    with pytest.raises(DataError, match="class map not found"):
        load_class_map(tmp_path / "none.csv", list(CIFAR10_CLASSES))


def test_modes(tmp_path):
    images = image_folder(tmp_path / "stim", {"cat": 12, "dog": 12})
    model = tiny_model()
    early = extract_times(model, images, progress=False, batch_size=5)
    full = extract_times(model, images, full_length=True, progress=False)
    only = extract_times(model, images, exit_only=True, progress=False)
    assert len(set(full.table["exit_step"])) >= 3
    for res in (full, only):
        for col in ("stimulus", "exit_step", "prediction"):
            assert res.table[col].tolist() == early.table[col].tolist()
    np.testing.assert_allclose(early.table["expected_steps"], full.table["expected_steps"], atol=1e-6)
    np.testing.assert_allclose(early.step_probs, full.step_probs, atol=1e-5)
    per_step = flops_per_step(model)
    assert (full.table["flops"] == per_step.sum()).all()
    np.testing.assert_array_equal(early.table["flops"], np.cumsum(per_step)[early.table["exit_step"] - 1])
    np.testing.assert_array_equal(only.table["flops"], early.table["flops"])
    before_t = only.table["exit_step"] < 4
    assert only.table.loc[before_t, "expected_steps"].isna().all()
    assert only.table.loc[~before_t, "expected_steps"].notna().all()
    k = int(only.table["exit_step"].iloc[0])
    assert np.isnan(only.halting[0, k:]).all() and np.isfinite(only.halting[0, :k]).all()
    assert [r.attrs["mode"] for r in (early, full, only)] == ["early-exit", "full-length", "exit-only"]
    with pytest.raises(NeurogrowError, match="exclude each other"):
        extract_times(model, images, full_length=True, exit_only=True, progress=False)


def test_occlusion_is_seeded(tmp_path):
    images = image_folder(tmp_path / "stim")
    model = tiny_model()
    plain = extract_times(model, images, progress=False)
    a = extract_times(model, images, occlusion=0.4, seed=3, progress=False)
    b = extract_times(model, images, occlusion=0.4, seed=3, progress=False)
    np.testing.assert_array_equal(a.step_probs, b.step_probs)
    assert not np.allclose(a.step_probs, plain.step_probs)
    assert a.attrs["occlusion"] == 0.4 and a.attrs["occlusion_seed"] == 3


def test_dataset(monkeypatch):
    rng = np.random.default_rng(0)
    data = ImageDataset(rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8), np.arange(6) % 10, list(CIFAR10_CLASSES), [str(i) for i in range(6)], "cifar10")
    calls = []
    monkeypatch.setattr(extract_module, "load_dataset", lambda name, split, root=None: calls.append((name, split, root)) or data)
    res = extract_times(tiny_model(), dataset="cifar10", data_root="/data", progress=False)
    assert calls == [("cifar10", "test", "/data")]
    assert res.table["stimulus"].tolist() == [str(i) for i in range(6)]
    assert res.table["label"].tolist() == list(CIFAR10_CLASSES[:6]) and res.table["correct"].notna().all()
    assert res.attrs["source"] == "dataset:cifar10/test"
    gray = ImageDataset(np.zeros((2, 8, 8, 1), np.uint8), np.zeros(2), ["a"], ["0", "1"], "fashion-mnist")
    monkeypatch.setattr(extract_module, "load_dataset", lambda *a, **k: gray)
    with pytest.raises(DataError, match="8x8x1; the model expects 8x8x3"):
        extract_times(tiny_model(), dataset="fashion-mnist", progress=False)


def test_write_round_trip(tmp_path):
    images = image_folder(tmp_path / "stim")
    res = extract_times(tiny_model(), images, activations=True, progress=False)
    path = write_extract(res, tmp_path / "times.h5", command_line="neurogrow extract m --out times.h5")
    df = read_times(path)
    assert df["stimulus"].tolist() == res.table["stimulus"].tolist()
    np.testing.assert_array_equal(df["flops"], res.table["flops"])
    assert df["correct"].isna().tolist() == res.table["correct"].isna().tolist()
    probs, _halting, names = read_step_arrays(path)
    np.testing.assert_array_equal(probs, res.step_probs)
    assert names == list(CIFAR10_CLASSES)
    acts = read_activations(path)
    assert sorted(acts) == sorted(f"layer{layer_index}-t{t}" for layer_index in (1, 2) for t in range(1, 5))
    assert acts["layer2-t3"].shape == (7, 6)
    attrs = read_attrs(path)
    assert attrs["mode"] == "early-exit" and attrs["exit_threshold"] == 0.5
    assert attrs["command_line"] == "neurogrow extract m --out times.h5" and len(json.loads(attrs["flops_per_step"])) == 4
    with pytest.raises(NeurogrowError, match="--overwrite"):
        write_extract(res, path)


def test_bad_arguments(tmp_path):
    images = image_folder(tmp_path / "stim")
    model = tiny_model()
    for kwargs, match in [
        ({"occlusion": 1.0}, r"\[0, 1\)"),
        ({"occlusion": -0.1}, r"\[0, 1\)"),
        ({"threshold": 0.0}, "threshold"),
        ({"batch_size": 0}, "batch.size"),
        ({"dataset": "cifar10"}, "exactly one"),
    ]:
        with pytest.raises(NeurogrowError, match=match):
            extract_times(model, images, progress=False, **kwargs)
    with pytest.raises(NeurogrowError, match="exactly one"):
        extract_times(model, progress=False)


# --------------------------------------------------------------------------- command line (shipped model)


def test_cli_writes_and_refuses_to_overwrite(capsys, tmp_path):
    images = image_folder(tmp_path / "stim", {"cat": 2, "boat": 2})
    out = tmp_path / "out" / "times.h5"
    rc, stdout, err = run_cli(capsys, "--images", images, "--out", out, "--class-map", "geirhos16", "--activations")
    assert rc == 0, err
    assert "4 stimuli, mode early-exit" in stdout and "accuracy" in stdout
    df = read_times(out)
    assert df["correct"].notna().all() and df.attrs["model_name"] == "blt-cifar10-adaptive"
    assert df.attrs["model_checksum"].startswith("sha256:") and df.attrs["class_map"] == "geirhos16"
    assert len(read_activations(out)) == 16
    stamp = out.stat().st_mtime_ns
    rc, _, err = run_cli(capsys, "--images", images, "--out", out, "--full-length")
    assert rc == 2 and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert out.stat().st_mtime_ns == stamp
    rc, _, err = run_cli(capsys, "--images", images, "--out", out, "--full-length", "--overwrite")
    assert rc == 0, err
    assert read_attrs(out)["mode"] == "full-length"
    assert sorted(p.name for p in out.parent.iterdir()) == ["times.h5"]  # no temporary files left


@pytest.mark.parametrize(
    "case,match",
    [
        ("missing", "no such folder"),
        ("empty", "no image files"),
        ("dataset", "unknown dataset"),
        ("occlusion", r"\[0, 1\)"),
        ("class-map", "class map not found"),
        ("model", "neither a shipped model"),
    ],
)
def test_cli_bad_input(capsys, tmp_path, case, match):
    images = image_folder(tmp_path / "stim", {"cat": 1})
    (tmp_path / "empty").mkdir()
    out = tmp_path / "o" / "times.h5"
    args = {
        "missing": ["--images", tmp_path / "nope", "--out", out],
        "empty": ["--images", tmp_path / "empty", "--out", out],
        "dataset": ["--dataset", "imagenet", "--out", out],
        "occlusion": ["--images", images, "--out", out, "--occlusion", "1"],
        "class-map": ["--images", images, "--out", out, "--class-map", tmp_path / "map.csv"],
        "model": ["no-such-model", "--images", images, "--out", out],
    }[case]
    rc, _, err = run_cli(capsys, *args)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert pd.Series([err]).str.contains(match).all(), err
    assert not out.exists() and not (tmp_path / "o").exists()


def test_cli_exclusive_options(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["extract", "--images", str(tmp_path), "--out", str(tmp_path / "t.h5"), "--full-length", "--exit-only"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["extract", "--out", str(tmp_path / "t.h5")])  # neither --images nor --dataset
    capsys.readouterr()
