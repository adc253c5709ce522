"""Fuzzing ``neurogrow compare-rt`` over generated trial CSVs, model-time CSVs and times files (hypothesis).

For every generated input the command must either succeed with numbers equal to a direct
recomputation (plain Python over the input files) on data that satisfy the documented RT rules,
or exit 2 with one line on stderr and nothing written. A traceback fails the test.

The default suite runs 600 + 400 inputs; ``-m slow`` runs 5,000 + 2,500 more.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import tempfile
from pathlib import Path
from unittest import mock

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from neurogrow.cli import main
from neurogrow.human.validate import MEDIAN_RANGE_S, OUTLIER_FACTOR, RT_MAX_DEFAULT_S

STIMS = [f"s{i}.png" for i in range(6)]
ARGS = ["--n-boot", "10", "--n-perm", "0", "--n-splits", "1", "--no-mixed-model"]
SETTINGS = {"deadline": None, "suppress_health_check": list(HealthCheck), "derandomize": True, "database": None}


def _no_figures():
    """Figures are not what is fuzzed (and cost 0.3 s each): write none."""
    return mock.patch("neurogrow.rt.figures.write_figures", return_value=[])


def run_compare_rt(model_times: Path, human: Path, out: Path) -> tuple[int, str]:
    err = io.StringIO()
    with _no_figures(), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["compare-rt", str(model_times), str(human), "--out", str(out), *ARGS])
    return code, err.getvalue()


# --------------------------------------------------------------------------- generated inputs

BAD_RT = st.sampled_from(["0", "-0.5", "1e12", "inf", "nan", "", "NA", "fast", "1,5", "  ", "0x10", "1e-300", "61", "0.001"])


@st.composite
def trial_csv(draw) -> str:
    """A long-format trial CSV: plausible by construction, then a few random corruptions."""
    n_subj = draw(st.integers(1, 4))
    rows = []
    for s in range(n_subj):
        for stim in STIMS:
            if s == 0 or draw(st.floats(0, 1)) < 0.85:  # the first subject sees every stimulus
                rows.append([f"p{s}", stim, repr(draw(st.floats(0.3, 2.5))), stim[1]])
    header = ["subject", "stimulus", "rt", "category"]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        if not rows:
            break
        kind = draw(st.sampled_from(["cell", "scale subject", "dup", "drop col", "rename", "blank", "response", "outlier", "shuffle"]))
        i = draw(st.integers(0, len(rows) - 1))
        if kind == "cell" and len(rows[i]) > 2:
            rows[i][2] = draw(BAD_RT)
        elif kind == "scale subject":  # one subject in ms, or minutes, or 1/100 s
            subj, factor = rows[i][0], draw(st.sampled_from([1000.0, 20.0, 0.01]))
            for r in rows:
                if r[0] == subj and len(r) > 2:
                    with contextlib.suppress(ValueError):
                        r[2] = repr(float(r[2]) * factor)
        elif kind == "dup":
            rows.append(list(rows[i]))
        elif kind == "drop col":
            j = draw(st.integers(0, len(header) - 1))
            header = header[:j] + header[j + 1 :]
            rows = [r[:j] + r[j + 1 :] for r in rows]
        elif kind == "rename" and "rt" in header:
            header = ["RT" if h == "rt" else h for h in header]
        elif kind == "blank":
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = ""
        elif kind == "response" and "response" not in header:
            header = header + ["response"]
            rows = [r + [draw(st.sampled_from(["cat", "cat", "cat", "na"]))] for r in rows]
        elif kind == "outlier" and len(header) == 4:
            rows[i][2] = repr(draw(st.floats(30, 59)))
        elif kind == "shuffle":
            rows = draw(st.permutations(rows))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@st.composite
def times_csv(draw) -> str:
    values = [repr(i + draw(st.floats(0, 10))) for i in range(len(STIMS))]
    rows = [[f"folder/{s}", v] for s, v in zip(STIMS, values)]
    header = ["stimulus", "model_time"]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        kind = draw(st.sampled_from(["neg", "bad", "dup", "extra", "missing", "header", "const"]))
        if kind == "neg" and rows:
            rows[draw(st.integers(0, len(rows) - 1))][1] = repr(-draw(st.floats(0.001, 5)))
        elif kind == "bad" and rows:
            rows[draw(st.integers(0, len(rows) - 1))][1] = draw(st.sampled_from(["", "nan", "inf", "x", "-0"]))
        elif kind == "dup" and rows:
            rows.append(list(rows[0]))
        elif kind == "extra":
            rows.append(["folder/zz.png", "1.0"])
        elif kind == "missing" and rows:
            rows.pop(draw(st.integers(0, len(rows) - 1)))
        elif kind == "header":
            header = [draw(st.sampled_from(["stim", "stimulus"])), draw(st.sampled_from(["time", "model_time", "expected_steps"]))]
        elif kind == "const":
            rows = [[r[0], "2.0"] for r in rows]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------- the direct recomputation


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def expected_result(times_path: Path, human_path: Path, model_time_of=None) -> dict:
    """Per-image mean log RT and the correlations, recomputed with the csv module and scipy only.

    Also asserts that the human data satisfy the documented RT rules (a success on data that
    break them would be a silently wrong answer).
    """
    with open(human_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    trials = []
    for r in rows:
        responded = "response" not in r or r["response"].strip().lower() not in ("", "na", "nan", "none")
        if responded:
            trials.append((r["subject"].strip(), r["stimulus"].strip(), float(r["rt"])))
    assert trials
    by_subject: dict[str, list[float]] = {}
    for subj, _, rt in trials:
        by_subject.setdefault(subj, []).append(rt)
    for subj, rts in by_subject.items():
        med = float(np.median(rts))
        assert MEDIAN_RANGE_S[0] <= med <= MEDIAN_RANGE_S[1], (subj, med)
        for rt in rts:
            assert 0 < rt <= RT_MAX_DEFAULT_S and 1 / OUTLIER_FACTOR <= rt / med <= OUTLIER_FACTOR, (subj, rt, med)
    logs: dict[str, list[float]] = {}
    for _, stim, rt in trials:
        logs.setdefault(stim, []).append(math.log(rt))
    human = {s: sum(v) / len(v) for s, v in logs.items()}
    model = model_time_of or {}
    if not model:
        with open(times_path, newline="") as fh:
            for r in csv.DictReader(fh):
                # a column expected_steps (as read_times(...).to_csv() writes) is the model time too
                model[r["stimulus"].split("/")[-1]] = float(r["model_time"] if "model_time" in r else r["expected_steps"])
    stims = sorted(set(model) & set(human))
    x = np.array([model[s] for s in stims])
    assert (x >= 0).all() and np.isfinite(x).all(), "a success with a negative or non-finite model time"
    y = np.array([human[s] for s in stims])
    # documented rule (docs/compare_rt.md): the correlations are computed on the per-image values
    # rounded to 12 significant digits, as written to per_image.csv (log 0.3 and log
    # 0.30000000000000004 are then one tie, not two ranks)
    xq = np.array([float(format(v, ".12g")) for v in x])
    yq = np.array([float(format(v, ".12g")) for v in y])
    return {
        "stimuli": stims,
        "model_time": x,
        "human_measure": y,
        "spearman": float(sps.spearmanr(xq, yq)[0]),
        "pearson": float(sps.pearsonr(xq, yq)[0]),
    }


def check_outcome(code: int, err: str, folder: Path, inputs: set[str], times: Path, human: Path, model_time_of=None) -> None:
    out = folder / "out"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("neurogrow compare-rt: error: "), err
        assert not out.exists(), "partial output after an error"
        assert {p.name for p in folder.iterdir()} == inputs, "debris after an error"
        return
    assert code == 0, (code, err)
    assert {p.name for p in folder.iterdir()} == inputs | {"out"}, "debris after a success"
    summary = json.loads((out / "summary.json").read_text())
    with open(out / "per_image.csv", newline="") as fh:
        per_image = list(csv.DictReader(fh))
    exp = expected_result(times, human, model_time_of)
    assert [r["stimulus"] for r in per_image] == exp["stimuli"]
    np.testing.assert_allclose([float(r["model_time"]) for r in per_image], exp["model_time"], rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose([float(r["human_measure"]) for r in per_image], exp["human_measure"], rtol=1e-11, atol=1e-12)
    assert summary["spearman"]["r"] == pytest.approx(exp["spearman"], abs=1e-9)
    assert summary["pearson"]["r"] == pytest.approx(exp["pearson"], abs=1e-9)
    assert summary["rt_checks"]["n_excluded"] == 0


# --------------------------------------------------------------------------- the tests


def _fuzz_csvs(human_text: str, times_text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        human = folder / "human.csv"
        times = folder / "times.csv"
        human.write_text(human_text)
        times.write_text(times_text)
        code, err = run_compare_rt(times, human, folder / "out")
        check_outcome(code, err, folder, {"human.csv", "times.csv"}, times, human)


@settings(max_examples=600, **SETTINGS)
@given(trial_csv(), times_csv())
def test_fuzz_trial_and_model_time_csvs(human_text, times_text):
    _fuzz_csvs(human_text, times_text)


@pytest.mark.slow
@settings(max_examples=5000, **SETTINGS)
@given(trial_csv(), times_csv())
def test_fuzz_trial_and_model_time_csvs_long(human_text, times_text):
    _fuzz_csvs(human_text, times_text)


FIXED_HUMAN = "subject,stimulus,rt\n" + "".join(
    f"p{s},{stim},{0.5 + 0.1 * ((3 * i + 7 * s) % 11)}\n" for s in range(3) for i, stim in enumerate(STIMS)
)


@st.composite
def times_file(draw) -> dict:
    """A times file as arrays and attributes, sometimes corrupted."""
    n = len(STIMS)
    t = draw(st.sampled_from([1, 2, 3, 3, 4, 4]))
    raw = np.array(draw(st.lists(st.lists(st.floats(0.01, 1.0), min_size=t, max_size=t), min_size=n, max_size=n)))
    raw[np.arange(n), np.arange(n) % t] += 1 + 0.1 * np.arange(n)  # different E[t] per stimulus
    halting = raw / raw.sum(axis=1, keepdims=True)
    expected = halting @ np.arange(1, t + 1)
    cum = np.cumsum(halting, axis=1)
    exit_step = (cum >= 0.5 - 1e-9).argmax(axis=1) + 1
    spec = {"stimulus": [f"x/{s}" for s in STIMS], "halting": halting, "expected": expected, "exit": exit_step,
            "schema": "neurogrow.times", "version": "1.0", "n_steps": t, "corrupt": None}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        kind = draw(st.sampled_from(["neg halting", "sum", "expected", "exit", "nan", "rows", "schema", "truncate", "text", "drop"]))
        i = draw(st.integers(0, n - 1))
        if kind == "neg halting" and t > 1:
            spec["halting"] = spec["halting"].copy()
            spec["halting"][i, 0] -= 1.0
            spec["halting"][i, 1] += 1.0
        elif kind == "sum":
            spec["halting"] = spec["halting"] * draw(st.sampled_from([0.5, 1.5, 2.0]))
        elif kind == "expected":
            spec["expected"] = spec["expected"].copy()
            spec["expected"][i] = draw(st.sampled_from([-1.0, 0.0, t + 1.0, spec["expected"][i] + 0.5, float("inf")]))
        elif kind == "exit":
            spec["exit"] = spec["exit"].copy()
            spec["exit"][min(i, len(spec["exit"]) - 1)] = draw(st.sampled_from([0, -1, t + 1]))
        elif kind == "nan":
            spec["expected"] = spec["expected"].copy()
            spec["expected"][i] = float("nan")
        elif kind == "rows":
            spec["exit"] = spec["exit"][:-1]
        elif kind == "schema":
            spec[draw(st.sampled_from(["schema", "version"]))] = "other"
        else:
            spec["corrupt"] = kind
    return spec


def _write_h5(path: Path, spec: dict) -> None:
    if spec["corrupt"] == "text":
        path.write_text("stimulus,model_time\nx/s0.png,1\n")
        return
    s = h5py.string_dtype("utf-8")
    n = len(spec["stimulus"])
    with h5py.File(path, "w") as f:
        f.attrs["schema"] = spec["schema"]
        f.attrs["schema_version"] = spec["version"]
        f.attrs["n_steps"] = spec["n_steps"]
        f.create_dataset("stimulus", data=np.array(spec["stimulus"], dtype=object), dtype=s)
        f.create_dataset("label", data=np.array([""] * n, dtype=object), dtype=s)
        if spec["corrupt"] != "drop":
            f.create_dataset("expected_steps", data=spec["expected"])
        f.create_dataset("exit_step", data=np.asarray(spec["exit"], dtype=np.int32))
        f.create_dataset("prediction", data=np.array(["a"] * n, dtype=object), dtype=s)
        f.create_dataset("correct", data=np.full(n, -1, dtype=np.int8))
        f.create_dataset("halting", data=spec["halting"].astype(np.float32))
    if spec["corrupt"] == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])


def _fuzz_h5(spec: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        human = folder / "human.csv"
        human.write_text(FIXED_HUMAN)
        times = folder / "times.h5"
        _write_h5(times, spec)
        code, err = run_compare_rt(times, human, folder / "out")
        model = None
        if code == 0:
            # direct recomputation of E[t] from the halting distribution
            h = spec["halting"].astype(np.float32).astype(float)
            recomputed = h @ np.arange(1, h.shape[1] + 1)
            np.testing.assert_allclose(spec["expected"], recomputed, atol=1e-3 * h.shape[1])
            model = {s.split("/")[-1]: float(v) for s, v in zip(spec["stimulus"], spec["expected"])}
            assert ((np.asarray(spec["exit"]) >= 1) & (np.asarray(spec["exit"]) <= spec["n_steps"])).all()
        check_outcome(code, err, folder, {"human.csv", "times.h5"}, times, human, model)


@settings(max_examples=400, **SETTINGS)
@given(times_file())
def test_fuzz_times_files(spec):
    _fuzz_h5(spec)


@pytest.mark.slow
@settings(max_examples=2500, **SETTINGS)
@given(times_file())
def test_fuzz_times_files_long(spec):
    _fuzz_h5(spec)
