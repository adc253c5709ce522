"""The HDF5 times file: round trip, schema version check, atomic and non-clobbering writes."""
from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from neurogrow.errors import DataError, NeurogrowError
from neurogrow.io import (
    SCHEMA_VERSION,
    TIME_COLUMNS,
    halting_summary,
    read_activations,
    read_attrs,
    read_step_arrays,
    read_times,
    write_times,
)

CLASSES = ["cat", "dog", "oven"]


def _example(n: int = 6, steps: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, steps, len(CLASSES)))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    halting = rng.dirichlet(np.ones(steps), size=n)
    table = pd.DataFrame(
        {
            "stimulus": [f"{CLASSES[i % 3]}/{CLASSES[i % 3]}{i}.png" for i in range(n)],
            "label": [CLASSES[i % 3] if i != 2 else None for i in range(n)],
        }
    )
    return table, probs.astype(np.float32), halting.astype(np.float32)


def test_halting_summary_expected_and_exit_step():
    h = np.array([[0.1, 0.3, 0.6], [0.6, 0.2, 0.2], [0.2, 0.3, 0.5]])
    expected, exit_step = halting_summary(h)
    np.testing.assert_allclose(expected, [0.1 + 0.6 + 1.8, 0.6 + 0.4 + 0.6, 0.2 + 0.6 + 1.5])
    np.testing.assert_array_equal(exit_step, [3, 1, 2])  # cumulative 0.5 reached exactly at step 2 in row 3
    _, exit_08 = halting_summary(h, threshold=0.8)
    np.testing.assert_array_equal(exit_08, [3, 2, 3])


def test_round_trip(tmp_path):
    table, probs, halting = _example()
    acts = {"layer1-t1": np.random.default_rng(1).normal(size=(6, 8)), "layer2-t3": np.ones((6, 5))}
    path = write_times(
        tmp_path / "times.h5",
        table,
        probs,
        halting,
        CLASSES,
        attrs={"model_name": "blt-small", "model_checksum": "sha256:abc", "command_line": "neurogrow extract m --out times.h5"},
        activations=acts,
    )
    df = read_times(path)
    assert list(df.columns[: len(TIME_COLUMNS)]) == TIME_COLUMNS
    assert df["stimulus"].tolist() == table["stimulus"].tolist()
    assert df["label"].iloc[2] is None and df["label"].iloc[0] == "cat"
    expected, exit_step = halting_summary(halting)
    np.testing.assert_allclose(df["expected_steps"], expected, rtol=1e-6)
    np.testing.assert_array_equal(df["exit_step"], exit_step)
    final = (halting[:, :, None] * probs).sum(1).argmax(1)
    assert df["prediction"].tolist() == [CLASSES[i] for i in final]
    assert pd.isna(df["correct"].iloc[2])
    assert bool(df["correct"].iloc[0]) == (df["prediction"].iloc[0] == "cat")
    arrays = read_step_arrays(path)
    np.testing.assert_allclose(arrays.probs, probs)
    np.testing.assert_allclose(arrays.halting, halting)
    assert arrays.class_names == CLASSES
    got = read_activations(path)
    assert list(got) == ["layer1-t1", "layer2-t3"]
    np.testing.assert_allclose(got["layer1-t1"], acts["layer1-t1"].astype(np.float32))
    attrs = read_attrs(path)
    assert attrs["schema_version"] == SCHEMA_VERSION
    assert attrs["model_name"] == "blt-small" and attrs["model_checksum"] == "sha256:abc"
    assert attrs["command_line"].startswith("neurogrow extract")
    for key in ("neurogrow_version", "created", "exit_threshold"):
        assert key in attrs
    assert df.attrs["model_name"] == "blt-small"
    with h5py.File(path) as f:  # chunked and compressed
        assert f["probs"].compression == "gzip" and f["probs"].chunks is not None
        assert f["activations/layer2-t3"].compression == "gzip"
        assert f["activations/layer2-t3"].attrs["step"] == 3


def test_explicit_columns_and_extra_columns_are_kept(tmp_path):
    table, probs, halting = _example()
    table["expected_steps"] = halting.astype(float) @ np.arange(1, 5)
    table["exit_step"] = [1, 2, 3, 4, 1, 2]
    table["prediction"] = "dog"
    table["correct"] = pd.array([True, False, None, True, False, True], dtype="boolean")
    table["occlusion"] = np.linspace(0, 1, 6)
    write_times(tmp_path / "t.h5", table, probs, halting, CLASSES)
    df = read_times(tmp_path / "t.h5")
    np.testing.assert_allclose(df["expected_steps"], table["expected_steps"])
    np.testing.assert_array_equal(df["exit_step"], table["exit_step"])
    assert df["correct"].tolist()[:2] == [True, False] and pd.isna(df["correct"].iloc[2])
    np.testing.assert_allclose(df["occlusion"], table["occlusion"])


def test_refuses_to_overwrite_and_leaves_no_temp_files(tmp_path):
    table, probs, halting = _example()
    path = tmp_path / "times.h5"
    write_times(path, table, probs, halting, CLASSES)
    before = path.read_bytes()
    with pytest.raises(NeurogrowError, match="already exists"):
        write_times(path, table, probs * 0 + 1 / 3, halting, CLASSES)
    assert path.read_bytes() == before
    write_times(path, table.assign(stimulus=[f"x{i}.png" for i in range(6)]), probs, halting, CLASSES, overwrite=True)
    assert read_times(path)["stimulus"].iloc[0] == "x0.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["times.h5"]


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    table, probs, halting = _example()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(h5py.Group, "create_dataset", boom)
    with pytest.raises(RuntimeError):
        write_times(tmp_path / "times.h5", table, probs, halting, CLASSES)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda t, p, h: (t.iloc[:3], p, h), "step_probs has shape"),
        (lambda t, p, h: (t, p, h[:, :2]), "halting has shape"),
        (lambda t, p, h: (t.assign(stimulus="same.png"), p, h), "appears twice"),
    ],
)
def test_invalid_input_is_refused(tmp_path, change, match):
    table, probs, halting = change(*_example())
    with pytest.raises(NeurogrowError, match=match):
        write_times(tmp_path / "t.h5", table, probs, halting, CLASSES)
    assert list(tmp_path.iterdir()) == []


def test_bad_activation_name(tmp_path):
    table, probs, halting = _example()
    with pytest.raises(NeurogrowError, match="<layer>-t<step>"):
        write_times(tmp_path / "t.h5", table, probs, halting, CLASSES, activations={"layer2_step3": np.ones((6, 2))})


def test_wrong_schema_version_is_a_clear_error(tmp_path):
    table, probs, halting = _example()
    path = write_times(tmp_path / "t.h5", table, probs, halting, CLASSES)
    with h5py.File(path, "a") as f:
        f.attrs["schema_version"] = "2.0"
    with pytest.raises(DataError, match=r"schema version '2.0'.*reads version 1.0") as exc:
        read_times(path)
    assert "\n" not in str(exc.value)
    with pytest.raises(DataError, match="schema version"):
        read_attrs(path)


def test_not_a_times_file(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(DataError, match="root attribute schema"):
        read_times(other)
    text = tmp_path / "times.h5"
    text.write_text("stimulus,model_time\n")
    with pytest.raises(DataError, match="not an HDF5 file"):
        read_times(text)
    with pytest.raises(DataError, match="file not found"):
        read_times(tmp_path / "missing.h5")


def test_read_activations_without_activations(tmp_path):
    table, probs, halting = _example()
    path = write_times(tmp_path / "t.h5", table, probs, halting, CLASSES)
    with pytest.raises(DataError, match="no activations"):
        read_activations(path)
