"""Fuzzing two more families (issue 26): inconsistent or damaged HDF5 times files, and the Python API.

* Times files: a valid file written by :func:`neurogrow.io.write_times`, then a few random
  inconsistencies (datasets of other lengths or shapes, attributes of other types, text where
  numbers belong, bytes overwritten inside a dataset's storage, a truncated file). ``compare-rt``
  must exit 2 with one line and nothing written, or give exactly the clean file's result.
* The API: :func:`neurogrow.compare_rt` with one argument replaced by a value of a wrong type or
  range. It must raise a :class:`neurogrow.errors.NeurogrowError` whose message is one line and
  leave nothing behind, or give exactly the clean call's result.

The default suite runs 120 + 150 inputs; ``-m slow`` runs 1,500 + 1,500 more.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
from pathlib import Path
from unittest import mock

import h5py
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neurogrow
from neurogrow.cli import main
from neurogrow.errors import NeurogrowError

STIMS = [f"s{i}.png" for i in range(8)]
HUMAN = "subject,stimulus,rt\n" + "".join(
    f"p{s},{stim},{0.5 + 0.1 * ((3 * i + 7 * s) % 11)}\n" for s in range(3) for i, stim in enumerate(STIMS)
)
ARGS = ["--n-boot", "10", "--n-perm", "0", "--n-splits", "1", "--no-mixed-model"]
SETTINGS = {"deadline": None, "suppress_health_check": list(HealthCheck), "derandomize": True, "database": None}
N_STEPS, N_CLASSES = 4, 5


def _no_figures():
    return mock.patch("neurogrow.rt.figures.write_figures", return_value=[])


def _write_clean(path: Path) -> None:
    from neurogrow.io import write_times

    rng = np.random.default_rng(3)
    halting = rng.dirichlet(np.ones(N_STEPS) * 0.5, len(STIMS))
    probs = rng.dirichlet(np.ones(N_CLASSES), (len(STIMS), N_STEPS))
    write_times(path, pd.DataFrame({"stimulus": STIMS}), probs, halting, [f"c{k}" for k in range(N_CLASSES)])


def _result(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    per_image = pd.read_csv(out / "per_image.csv")
    return {"spearman": summary["spearman"]["r"], "pearson": summary["pearson"]["r"],
            "per_image": per_image[["stimulus", "model_time", "human_measure"]].to_dict("list")}


def _compare_rt(times: Path, human: Path, out: Path) -> tuple[int, str]:
    err = io.StringIO()
    with _no_figures(), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["compare-rt", str(times), str(human), "--out", str(out), *ARGS])
    return code, err.getvalue()


_CLEAN: dict = {}


def clean_result() -> dict:
    if not _CLEAN:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "human.csv").write_text(HUMAN)
            _write_clean(folder / "t.h5")
            code, err = _compare_rt(folder / "t.h5", folder / "human.csv", folder / "out")
            assert code == 0, err
            _CLEAN.update(_result(folder / "out"))
    return _CLEAN


# ------------------------------------------------------------------------ inconsistent times files
DATASETS = ["stimulus", "label", "expected_steps", "exit_step", "prediction", "correct", "probs", "halting", "class_names"]
ATTRS = ["n_stimuli", "n_steps", "n_classes", "exit_threshold", "schema", "schema_version", "model_name"]
ODD_VALUES = ["four", b"\xff\xfe", -1, 0, 2**40, 1.5, float("nan"), float("inf"), np.array([1, 2]), True]


@st.composite
def damage(draw) -> list[tuple]:
    """A list of edits to apply to a clean times file."""
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["resize", "reshape", "text", "attr", "drop", "bytes", "truncate", "nan", "dtype"]))
        name = draw(st.sampled_from(DATASETS))
        if kind == "attr":
            edits.append(("attr", draw(st.sampled_from(ATTRS)), draw(st.sampled_from(range(len(ODD_VALUES))))))
        elif kind == "resize":
            edits.append(("resize", name, draw(st.sampled_from([-3, -1, 1, 5]))))
        elif kind in ("bytes", "truncate"):
            edits.append((kind, name, draw(st.floats(0.05, 0.95))))
        else:
            edits.append((kind, name, 0))
    return edits


def _replace(f, key, data) -> None:
    del f[key]
    f.create_dataset(key, data=data)


def _apply(path: Path, edits: list[tuple]) -> None:
    raw: list[tuple] = []
    with h5py.File(path, "r+") as f:
        for kind, name, arg in edits:
            if kind == "attr":
                f.attrs[name] = ODD_VALUES[arg]
                continue
            if name not in f:
                continue
            if kind == "bytes":
                ds = f[name]
                offset = ds.id.get_offset() if ds.chunks is None else ds.id.get_chunk_info(0).byte_offset
                if offset is not None:
                    raw.append((int(offset) + int(arg * max(ds.id.get_storage_size() - 8, 1)), 8))
                continue
            if kind == "truncate":
                raw.append(("cut", arg))
                continue
            data = f[name][()]
            if kind == "drop":
                del f[name]
            elif kind == "resize" and data.ndim:
                n = data.shape[0] + arg
                _replace(f, name, data[:n] if arg < 0 else np.concatenate([data, data[: arg]]))
            elif kind == "reshape" and data.ndim >= 2:
                _replace(f, name, data[:, :-1])
            elif kind == "text":
                _replace(f, name, np.array([b"2.0"] * (data.shape[0] if data.ndim else 1)))
            elif kind == "nan" and data.dtype.kind == "f":
                data = data.copy()
                data.flat[0] = np.nan
                _replace(f, name, data)
            elif kind == "dtype" and data.dtype.kind in "fiu":
                _replace(f, name, data.astype(np.complex64))
    blob = bytearray(path.read_bytes())
    for item in raw:
        if item[0] == "cut":
            blob = blob[: max(8, int(len(blob) * item[1]))]
        elif item[0] < len(blob):
            blob[item[0]: item[0] + item[1]] = b"\xa5" * item[1]
    path.write_bytes(bytes(blob))


def _fuzz_times_file(edits: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "human.csv").write_text(HUMAN)
        times = folder / "t.h5"
        _write_clean(times)
        _apply(times, edits)
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        code, err = _compare_rt(times, folder / "human.csv", folder / "out")
        after = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "out"}
        assert after == before, "an input changed or debris was left"
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("neurogrow compare-rt: error: "), (edits, err)
            assert not (folder / "out").exists()
            return
        assert code == 0, (edits, code, err)
        got = _result(folder / "out")
        clean = clean_result()
        assert got["per_image"] == clean["per_image"], edits  # accepted only if nothing that is used changed
        assert got["spearman"] == clean["spearman"] and got["pearson"] == clean["pearson"]


@settings(max_examples=120, **SETTINGS)
@given(damage())
def test_fuzz_inconsistent_times_files(edits):
    _fuzz_times_file(edits)


@pytest.mark.slow
@settings(max_examples=1500, **SETTINGS)
@given(damage())
def test_fuzz_inconsistent_times_files_long(edits):
    _fuzz_times_file(edits)


# ------------------------------------------------------------------------------------ the API
BAD = ["100", "abc", "", -1, -5.5, 0, 1.5, float("nan"), float("inf"), 10**20, True, None, [1], {"a": 1}, b"x",
       Path("/nonexistent/x.csv")]
ARGUMENTS = ["n_boot", "n_splits", "n_perm", "seed", "measure", "model_time", "correct_only", "mixed_model", "rt_unit",
             "rt_max", "rt_min", "baseline", "labels", "stimuli", "allow_unmatched", "overwrite", "human", "model_times"]


def _fuzz_api(name: str, value) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        human = folder / "human.csv"
        human.write_text(HUMAN)
        times = folder / "t.h5"
        _write_clean(times)
        kwargs = {"n_boot": 10, "n_splits": 1, "n_perm": 0, "mixed_model": False}
        positional = {"model_times": times, "human": human}
        if name in positional:
            positional[name] = value
        else:
            kwargs[name] = value
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        try:
            with _no_figures(), contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
                result = neurogrow.compare_rt(positional["model_times"], positional["human"], folder / "out", **kwargs)
        except NeurogrowError as exc:
            message = str(exc)
            assert message and "\n" not in message, (name, value, message)
            assert "--" not in message.split(":")[0], message  # the API's words, not the CLI's options
            assert not (folder / "out").exists(), (name, value)
        else:
            assert math.isfinite(result.summary["spearman"]["r"]) or len(STIMS) < 3
        assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "out"} == before


@settings(max_examples=150, **SETTINGS)
@given(st.sampled_from(ARGUMENTS), st.sampled_from(BAD))
def test_fuzz_api_arguments(name, value):
    _fuzz_api(name, value)


@pytest.mark.slow
@settings(max_examples=1500, **SETTINGS)
@given(st.sampled_from(ARGUMENTS), st.sampled_from(BAD))
def test_fuzz_api_arguments_long(name, value):
    _fuzz_api(name, value)
