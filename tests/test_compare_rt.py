"""neurogrow compare-rt: the analysis end to end through the CLI, outputs, and bad input."""
from __future__ import annotations

import io
import json
import os
import sys
import types
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from neurogrow.cli import main
from neurogrow.human import load_human
from neurogrow.rt import Options, analyse, load_model_times

from conftest import CIFAR10H_COUNTS as COUNTS
from conftest import EDGES, GEIRHOS, GOLDEN, ROOT, SILHOUETTES, golden

FAST = ["--n-boot", "200", "--n-perm", "500"]


def _stimuli(folder: str = "edges") -> list[str]:
    d = GEIRHOS / "stimuli" / folder
    return sorted(str(p.relative_to(d)) for p in d.glob("*/*.png"))


def _model_csv(path: Path, stimuli: list[str], seed: int = 0, times=None) -> Path:
    rng = np.random.default_rng(seed)
    t = rng.gamma(3.0, 1.0, len(stimuli)) if times is None else times
    pd.DataFrame({"stimulus": stimuli, "model_time": t}).to_csv(path, index=False)
    return path


def _run(capsys, *args) -> tuple[int, str, str]:
    # --quiet: stderr then holds only what the command says about errors, not progress lines
    rc = main(["--quiet", "compare-rt", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def edge_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edges")
    mt = _model_csv(tmp / "times.csv", _stimuli("edges"))
    out = tmp / "out"
    rc = main(["compare-rt", str(mt), str(EDGES), "--out", str(out), *FAST])
    return rc, out


def test_outputs_and_summary_layout(edge_run):
    rc, out = edge_run
    assert rc == 0
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "per_image.csv", "report.md", "scatter.png", "scatter.pdf", "per_category.png", "per_category.pdf"} <= names
    s = json.loads((out / "summary.json").read_text())
    assert s["n_stimuli"] == 160 and s["n_subjects"] == 10 and s["n_trials"] == 1566
    assert set(s["spearman"]) >= {"r", "ci95", "p_permutation"}
    assert set(s["pearson"]) >= {"r", "ci95"}
    assert set(s["noise_ceiling"]) >= {"spearman_brown", "ci95"}
    assert set(s["within_category"]) >= {"spearman_partial", "noise_ceiling"}
    assert set(s["within_category"]["spearman_partial"]) >= {"r", "ci95", "p_permutation"}
    assert set(s["within_category"]["noise_ceiling"]) >= {"spearman_brown", "ci95"}
    assert set(s["mixed_model"]) >= {"coef", "ci95", "p"}
    for ci in (s["spearman"]["ci95"], s["pearson"]["ci95"], s["noise_ceiling"]["ci95"], s["mixed_model"]["ci95"]):
        assert len(ci) == 2 and ci[0] < ci[1]
    assert s["spearman"]["ci95"][0] < s["spearman"]["r"] < s["spearman"]["ci95"][1]
    assert 0 < s["spearman"]["p_permutation"] <= 1
    assert s["spearman"]["relative_to_ceiling"] == pytest.approx(s["spearman"]["r"] / s["noise_ceiling"]["spearman_brown"])
    report = (out / "report.md").read_text()
    assert "Spearman-Brown" in report and "mixed model" in report and "mouse travel" in report
    # the Holm family tests correlations by image permutation, 'significant' follows the two-level CI: said where Holm is
    holm_line = next(line for line in report.splitlines() if line.startswith("Holm-adjusted p-values:"))
    assert s["primary_interval"] == "ci95_two_level"
    assert (
        "each correlation (overall and within category) is tested by its permutation p-value, which permutes images only, whereas "
        "'significant' follows the primary 95% CI (two-level bootstrap over subjects and images), so a Holm-adjusted p below 0.05 "
        "can go with a correlation that is not significant by the primary CI." in holm_line
    )
    assert (out / "scatter.png").read_bytes()[:4] == b"\x89PNG" and (out / "scatter.pdf").read_bytes()[:4] == b"%PDF"


def test_correlations_equal_scipy_on_per_image_csv(edge_run):
    _, out = edge_run
    s = json.loads((out / "summary.json").read_text())
    d = pd.read_csv(out / "per_image.csv")
    assert len(d) == 160 and d["stimulus"].is_unique
    assert s["spearman"]["r"] == pytest.approx(sps.spearmanr(d["model_time"], d["human_measure"])[0], abs=1e-12)
    assert s["pearson"]["r"] == pytest.approx(sps.pearsonr(d["model_time"], d["human_measure"])[0], abs=1e-12)
    assert s["within_category"]["spearman_partial"]["r"] == pytest.approx(
        sps.spearmanr(d["model_time_resid"], d["human_measure_resid"])[0], abs=1e-12
    )
    # the per-image measure is the mean log RT over trials with a response
    t = load_human(EDGES).trials
    t = t[t["responded"]]
    expected = np.log(t["rt"]).groupby(t["stimulus"]).mean()
    np.testing.assert_allclose(d.set_index("stimulus")["human_measure"], expected.loc[d["stimulus"]], rtol=1e-10)
    np.testing.assert_allclose(d["human_measure"], d["mean_log_rt"])
    resid = d["human_measure"] - d.groupby("category")["human_measure"].transform("mean")
    np.testing.assert_allclose(d["human_measure_resid"], resid, atol=1e-10)


def test_console_table(capsys, tmp_path):
    mt = _model_csv(tmp_path / "t.csv", _stimuli("edges"))
    rc, out, err = _run(capsys, mt, EDGES, "--out", tmp_path / "o", *FAST, "--no-mixed-model")
    assert rc == 0 and err == ""
    assert "Spearman" in out and "Noise ceiling" in out and "Within category" in out


@pytest.mark.parametrize(
    "folder, stimuli, overall, within",
    [(EDGES, "edges", 0.67, 0.28), (SILHOUETTES, "filled-silhouettes", 0.72, 0.45)],
)
def test_noise_ceilings_on_shipped_geirhos_data(tmp_path, folder, stimuli, overall, within):
    times = load_model_times(_model_csv(tmp_path / "t.csv", _stimuli(stimuli)))
    s = analyse(times, load_human(folder), Options(n_boot=100, n_perm=100, mixed_model=False)).summary
    assert s["noise_ceiling"]["spearman_brown"] == pytest.approx(overall, abs=0.03)
    assert s["within_category"]["noise_ceiling"]["spearman_brown"] == pytest.approx(within, abs=0.03)


def test_model_time_explaining_rt_is_detected(tmp_path):
    t = load_human(EDGES).trials
    t = t[t["responded"]]
    mean_log_rt = np.log(t["rt"]).groupby(t["stimulus"]).mean()
    stims = _stimuli("edges")
    times = np.array([mean_log_rt[s.split("/")[1]] for s in stims]) * 10 + 20
    mt = load_model_times(_model_csv(tmp_path / "t.csv", stims, times=times))
    s = analyse(mt, load_human(EDGES), Options(n_boot=200, n_perm=200)).summary
    assert s["spearman"]["r"] == pytest.approx(1.0)
    assert s["spearman"]["p_permutation"] == pytest.approx(1 / 201)
    assert s["mixed_model"]["coef"] == pytest.approx(0.1, rel=0.2)  # log RT per model-time unit
    assert s["spearman"]["relative_to_ceiling"] > 1


def test_median_and_correct_only(tmp_path):
    mt = load_model_times(_model_csv(tmp_path / "t.csv", _stimuli("edges")))
    res = analyse(mt, load_human(EDGES), Options(measure="median_rt", correct_only=True, n_boot=100, n_perm=100, mixed_model=False))
    d = res.per_image.set_index("stimulus")
    t = load_human(EDGES).trials
    t = t[t["responded"] & t["correct"].fillna(False).astype(bool)]
    expected = t.groupby("stimulus")["rt"].median()
    np.testing.assert_allclose(d["human_measure"], expected.loc[d.index], rtol=1e-10)
    assert res.summary["human_measure"] == "median_rt" and res.summary["options"]["correct_only"]


def test_hdf5_model_times(capsys, tmp_path):
    from neurogrow.io import write_times

    stims = _stimuli("edges")
    rng = np.random.default_rng(0)
    n, steps = len(stims), 5
    halting = rng.dirichlet(np.ones(steps), size=n)
    probs = rng.dirichlet(np.ones(16), size=(n, steps))
    classes = sorted({s.split("/")[0] for s in stims})
    table = pd.DataFrame({"stimulus": stims, "label": [s.split("/")[0] for s in stims]})
    h5 = write_times(tmp_path / "times.h5", table, probs, halting, classes, attrs={"model_name": "test"})
    for which in ("expected_steps", "exit_step"):
        out = tmp_path / which
        rc, _, err = _run(capsys, h5, EDGES, "--out", out, "--model-time", which, *FAST, "--no-mixed-model")
        assert rc == 0, err
        d = pd.read_csv(out / "per_image.csv")
        from neurogrow.io import read_times

        ref = read_times(h5).assign(key=lambda df: df["stimulus"].str.split("/").str[1]).set_index("key")[which]
        np.testing.assert_allclose(d["model_time"], ref.loc[d["stimulus"]])


def test_cifar10h_counts(capsys, tmp_path):
    counts = np.load(COUNTS)[:300]
    np.save(tmp_path / "counts.npy", counts)
    rng = np.random.default_rng(0)
    n = counts.sum(1)
    entropy = -(np.where(counts > 0, counts / n[:, None] * np.log2(np.maximum(counts, 1) / n[:, None]), 0)).sum(1)
    mt = _model_csv(tmp_path / "t.csv", [str(i) for i in range(300)], times=2 + entropy + rng.normal(0, 0.3, 300))
    out = tmp_path / "o"
    rc, _, err = _run(capsys, mt, tmp_path / "counts.npy", "--out", out, "--n-splits", "20", *FAST)
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["human_measure"] == "entropy" and s["n_subjects"] == 0
    assert s["spearman"]["r"] > 0.5
    assert 0 < s["noise_ceiling"]["spearman_brown"] < 1
    assert s["noise_ceiling"]["split_unit"] == "responses within image"
    assert s["mixed_model"]["coef"] is None
    d = pd.read_csv(out / "per_image.csv", dtype={"stimulus": str})
    np.testing.assert_allclose(d["entropy"], entropy[d["stimulus"].astype(int)], atol=1e-9)


def test_cifar10h_counts_accuracy_ceiling_without_labels_is_unbiased(tmp_path):
    """--measure accuracy on counts without labels: the reference is the plurality response, and
    the split-half ceiling takes it within each half.  Planted: 600 images with one response
    distribution (true reliability 0); the plurality of all responses as both halves' reference
    gave about -1.3."""
    rng = np.random.default_rng(0)
    counts = rng.multinomial(50, [0.45, 0.45, 0.1] + [0.0] * 7, size=600)
    np.save(tmp_path / "counts.npy", counts)
    mt = load_model_times(_model_csv(tmp_path / "t.csv", [str(i) for i in range(600)]))
    s = analyse(mt, load_human(tmp_path / "counts.npy"), Options(measure="accuracy", n_boot=100, n_perm=100, n_splits=20)).summary
    nc = s["noise_ceiling"]["spearman_brown"]
    assert abs(nc) < 0.3, nc
    assert any("own plurality" in n for n in s["notes"])
    # counts have no trials: no mixed model, and the summary says why
    assert s["mixed_model"] == {"coef": None, "ci95": [None, None], "p": None, "note": "needs per-trial data from at least 2 subjects"}


def test_cifar10h_trials(capsys, tmp_path):
    rng = np.random.default_rng(1)
    header = (
        "annotator_id,trial_index,is_attn_check,true_category,chosen_category,true_label,chosen_label,"
        "correct_guess,cifar10_test_set_idx,image_filename,subcategory,reaction_time,time_elapsed"
    )
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    difficulty = rng.normal(0, 0.3, 30)
    rows = []
    for ann in range(8):
        for k, idx in enumerate(list(range(30)) + [-99999]):
            attn = int(idx < 0)
            lab = idx % 10 if not attn else 0
            rt = 1000 * np.exp(0.3 + (difficulty[idx] if not attn else 0) + rng.normal(0, 0.2))
            rows.append(f"{ann},{k},{attn},{classes[lab]},{classes[lab]},{lab},{lab},1,{idx},x.png,s,{rt:.1f},0")
    raw = tmp_path / "cifar10h-raw.csv"
    raw.write_text(header + "\n" + "\n".join(rows) + "\n")
    mt = _model_csv(tmp_path / "t.csv", [str(i) for i in range(30)], times=difficulty * 5 + 10)
    out = tmp_path / "o"
    rc, _, err = _run(capsys, mt, raw, "--out", out, *FAST)
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["n_stimuli"] == 30 and s["n_subjects"] == 8 and s["n_trials"] == 240
    assert s["spearman"]["r"] > 0.7
    d = pd.read_csv(out / "per_image.csv")
    assert d["median_rt"].between(0.5, 5).all()  # seconds, not milliseconds


def test_demo_wiring(capsys, monkeypatch):
    import neurogrow

    def fake_extract_times(model, images_dir, **kwargs):
        stims = sorted(str(p.relative_to(images_dir)) for p in Path(images_dir).glob("*/*.png"))
        rng = np.random.default_rng(len(stims))
        table = pd.DataFrame({"stimulus": stims, "expected_steps": rng.gamma(3, 1, len(stims)), "exit_step": 2})
        probs = rng.dirichlet(np.ones(10), size=(len(stims), 3))
        return types.SimpleNamespace(table=table, step_probs=probs, attrs={"source": f"images:{images_dir}"})

    monkeypatch.setattr(neurogrow, "load_model", lambda *a, **k: object(), raising=False)
    monkeypatch.setitem(sys.modules, "neurogrow.inference.extract", types.SimpleNamespace(extract_times=fake_extract_times))
    rc, out, err = _run(capsys, "--n-boot", "50", "--n-perm", "50", "--no-mixed-model")
    assert rc == 0, err
    assert "edges" in out and "silhouettes" in out and out.count("Noise ceiling") == 2


def test_overwrite(capsys, tmp_path):
    mt = _model_csv(tmp_path / "t.csv", _stimuli("edges"))
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    rc, _, err = _run(capsys, mt, EDGES, "--out", out, *FAST)
    assert rc == 2 and "--overwrite" in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    rc, _, err = _run(capsys, mt, EDGES, "--out", out, *FAST, "--overwrite", "--no-mixed-model")
    assert rc == 0, err
    assert not (out / "keep.txt").exists() and (out / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "t.csv"]  # no temporary folders left
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _run(capsys, mt, EDGES, "--out", empty, *FAST, "--no-mixed-model")[0] == 0


# --------------------------------------------------------------------------- bad input


def _long_from_geirhos(path: Path, edit=None) -> Path:
    t = load_human(EDGES).trials
    t = t[t["responded"]]
    d = pd.DataFrame({"subject": t["subject"], "stimulus": t["stimulus"], "rt": t["rt"].map(repr), "category": t["category"]})
    if edit is not None:
        d = edit(d)
    d.to_csv(path, index=False)
    return path


def _case(tmp_path, name):
    """(model_times, human) for a bad-input case."""
    stims = _stimuli("edges")
    good_mt = _model_csv(tmp_path / "mt.csv", stims)
    good_human = _long_from_geirhos(tmp_path / "human.csv")
    if name == "model missing column":
        pd.DataFrame({"stimulus": stims, "time": 1.0}).to_csv(tmp_path / "bad.csv", index=False)
        return tmp_path / "bad.csv", good_human
    if name == "model non-numeric":
        d = pd.read_csv(good_mt)
        d["model_time"] = d["model_time"].astype(object)
        d.loc[5, "model_time"] = "slow"
        d.to_csv(tmp_path / "bad.csv", index=False)
        return tmp_path / "bad.csv", good_human
    if name == "model NaN":
        d = pd.read_csv(good_mt)
        d.loc[5, "model_time"] = np.nan
        d.to_csv(tmp_path / "bad.csv", index=False)
        return tmp_path / "bad.csv", good_human
    if name == "model duplicate":
        d = pd.read_csv(good_mt)
        pd.concat([d, d.iloc[:1]]).to_csv(tmp_path / "bad.csv", index=False)
        return tmp_path / "bad.csv", good_human
    if name == "human missing column":
        return good_mt, _long_from_geirhos(tmp_path / "bad.csv", lambda d: d.drop(columns="rt"))
    if name == "human non-numeric rt":
        return good_mt, _long_from_geirhos(tmp_path / "bad.csv", lambda d: d.assign(rt=d["rt"].where(d.index != d.index[3], "fast")))
    if name == "human negative rt":
        return good_mt, _long_from_geirhos(tmp_path / "bad.csv", lambda d: d.assign(rt=d["rt"].where(d.index != d.index[3], "-0.4")))
    if name == "human NaN rt":
        return good_mt, _long_from_geirhos(tmp_path / "bad.csv", lambda d: d.assign(rt=d["rt"].where(d.index != d.index[3], "NaN")))
    if name == "human duplicate trial":
        return good_mt, _long_from_geirhos(tmp_path / "bad.csv", lambda d: pd.concat([d, d.iloc[[7]]]))
    if name == "unknown stimuli":
        return _model_csv(tmp_path / "bad.csv", stims + ["oven/oven99.png"]), good_human
    if name == "unmatched human stimulus":
        return _model_csv(tmp_path / "bad.csv", stims[1:]), good_human
    if name == "no overlap":
        return _model_csv(tmp_path / "bad.csv", [f"img{i}.png" for i in range(10)]), good_human
    if name == "ambiguous":
        both = [f"edges/{s}" for s in stims] + [f"silhouettes/{s}" for s in _stimuli("filled-silhouettes")]
        return _model_csv(tmp_path / "bad.csv", both), good_human
    if name == "wrong hdf5 schema":
        from neurogrow.io import write_times

        n = len(stims)
        h5 = write_times(tmp_path / "bad.h5", pd.DataFrame({"stimulus": stims}), np.full((n, 2, 3), 1 / 3), np.full((n, 2), 0.5), ["a", "b", "c"])
        with h5py.File(h5, "a") as f:
            f.attrs["schema_version"] = "0.9"
        return h5, good_human
    if name == "missing human file":
        return good_mt, tmp_path / "nope.csv"
    if name == "correct-only without correctness":
        return good_mt, good_human
    raise AssertionError(name)


BAD = {
    "model missing column": "missing column(s) model_time",
    "model non-numeric": "model_time is 'slow'; expected a number",
    "model NaN": "model_time is .*expected a finite number",
    "model duplicate": "appears twice",
    "human missing column": "long-format CSV needs subject, stimulus, rt (missing rt)",
    "human non-numeric rt": "column rt is 'fast'; expected a number",
    "human negative rt": "rt is -0.4; expected a positive number",
    "human NaN rt": "rt is missing",
    "human duplicate trial": "duplicate trial",
    "unknown stimuli": "unknown stimuli: 1 of 161 model-time stimuli match 0 human stimuli",
    "unmatched human stimulus": "1 of 160 human stimuli match 0 model-time stimuli",
    "no overlap": "no overlap: none of the 160 human stimuli",
    "ambiguous": "matches 2 model-time stimuli",
    "wrong hdf5 schema": "schema version '0.9'",
    "missing human file": "no such file",
    "correct-only without correctness": "--correct-only needs correctness",
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_exit_code_2_one_line_no_output(capsys, tmp_path, name):
    import re

    mt, human = _case(tmp_path, name)
    out = tmp_path / "results" / "out"
    extra = ["--correct-only"] if name == "correct-only without correctness" else []
    rc, _stdout, err = _run(capsys, mt, human, "--out", out, *FAST, *extra)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("neurogrow compare-rt: error: ")
    assert re.search(re.escape(BAD[name]) if "*" not in BAD[name] else BAD[name], lines[0]), lines[0]
    assert not (tmp_path / "results").exists()  # no partial output, not even the parent folder
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())
    _golden_message("bad_input_messages.json", name, lines[0].replace(str(tmp_path), "TMP"))


def _golden_message(file: str, name: str, message: str) -> None:
    """The whole one-line message, exactly as in tests/data/golden/FILE (see conftest.golden)."""
    path = GOLDEN / file
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if os.environ.get("NEUROGROW_UPDATE_GOLDEN") == "1":
        known[name] = message
        path.write_text(json.dumps(known, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    assert known.get(name) == message, f"{name}: {message!r} differs from its golden copy {known.get(name)!r}"


def test_allow_unmatched_uses_the_overlap(capsys, tmp_path):
    stims = _stimuli("edges")
    mt = _model_csv(tmp_path / "t.csv", stims[10:] + ["extra/extra1.png"])
    rc, _, err = _run(capsys, mt, EDGES, "--out", tmp_path / "o", *FAST, "--allow-unmatched", "--no-mixed-model")
    assert rc == 0, err
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["n_stimuli"] == 150


def test_bad_options(capsys, tmp_path):
    mt = _model_csv(tmp_path / "t.csv", _stimuli("edges"))
    rc, _, err = _run(capsys, mt, EDGES, "--out", tmp_path / "o", "--n-boot", "0")
    assert rc == 2 and "--n-boot" in err
    rc, _, err = _run(capsys, mt, COUNTS, "--out", tmp_path / "o", "--measure", "mean_log_rt")
    assert rc == 2 and "no RTs" in err
    rc, _, err = _run(capsys, mt, EDGES)
    assert rc == 2 and "--out" in err
    assert not (tmp_path / "o").exists()


# --- golden outputs: report.md, the console table and the figures' content, exactly -------------
# A change to any sentence, number format or figure element fails here.  After an intended change,
# rerun with NEUROGROW_UPDATE_GOLDEN=1, read the diff of tests/data/golden/ and commit it.
# (conftest.golden; GOLDEN is tests/data/golden)


def _describe_figure(fig) -> dict:
    """Every element of a figure a reader sees (texts, sizes, colours, data), rounded."""
    from matplotlib.colors import to_hex

    def r(a):
        return np.round(np.asarray(a, float), 4).tolist()

    def tick(axis):
        t = axis.get_major_ticks()[0]
        return {"size": t.label1.get_fontsize(), "shown": bool(t.label1.get_visible())}

    axes = []
    for ax in fig.axes:
        leg = ax.get_legend()
        axes.append({
            "title": [ax.get_title(), ax.title.get_fontsize()], "xlabel": [ax.get_xlabel(), ax.xaxis.label.get_fontsize()], "ylabel": [ax.get_ylabel(), ax.yaxis.label.get_fontsize()],
            "on": bool(ax.axison), "position": r(ax.get_position().bounds), "yinverted": bool(ax.yaxis_inverted()), "xtick": tick(ax.xaxis), "ytick": tick(ax.yaxis),
            "spines": {k: bool(v.get_visible()) for k, v in ax.spines.items()},
            "yticks": [[t.get_text(), t.get_fontsize()] for t in ax.get_yticklabels()] if ax.patches else None,
            "texts": [[t.get_text(), r(t.get_position()), t.get_ha(), t.get_va(), t.get_fontsize()] for t in ax.texts],
            "lines": [{"x": r(ln.get_xdata()), "y": r(ln.get_ydata()), "colour": to_hex(ln.get_color()),
                       "style": ln.get_linestyle(), "width": ln.get_linewidth(), "marker": [str(ln.get_marker()), ln.get_markersize()]} for ln in ax.lines],
            "limits": [r(ax.get_xlim()), r(ax.get_ylim())],
            "collections": [{"kind": type(c).__name__, "offsets": r(c.get_offsets()), "alpha": c.get_alpha(),
                             "marker": [r(c.get_paths()[0].vertices)] if type(c).__name__ == "PathCollection" and c.get_paths() else None,
                             "sizes": r(c.get_sizes()) if hasattr(c, "get_sizes") else None,
                             "segments": [r(g) for g in c.get_segments()] if hasattr(c, "get_segments") else None,
                             "face": [to_hex(f, keep_alpha=True) for f in c.get_facecolors()], "edge": r(c.get_linewidths()),
                             "edgecolour": [to_hex(f, keep_alpha=True) for f in c.get_edgecolors()], "label": c.get_label()}
                            for c in ax.collections],
            "patches": [{"box": r(p.get_bbox().bounds), "face": to_hex(p.get_facecolor())} for p in ax.patches],
            "legend": None if leg is None else {
                "texts": [t.get_text() for t in leg.get_texts()], "size": leg.get_texts()[0].get_fontsize(), "ncols": leg._ncols,
                "frame": bool(leg.get_frame_on()), "markers": [h.get_paths()[0].vertices.round(3).tolist() for h in leg.legend_handles],
                "spacing": [leg.markerscale, leg.handletextpad, leg.columnspacing, leg._loc, r(leg.get_bbox_to_anchor().bounds)]},
        })
    return {"size": r(fig.get_size_inches()), "axes": axes}


def _golden_run(tmp_path, monkeypatch, name: str, args: list) -> None:
    from PIL import Image

    import neurogrow.rt.figures as figures

    seen: dict = {}
    save = figures._save

    def record(fig, folder, stem):
        seen[stem] = _describe_figure(fig)
        return save(fig, folder, stem)

    monkeypatch.setattr(figures, "_save", record)
    write = figures.write_figures
    results = []

    def keep(result, folder):
        results.append(result)
        return write(result, folder)

    monkeypatch.setattr(figures, "write_figures", keep)
    out = tmp_path / name
    assert main(["--quiet", "compare-rt", *map(str, args), "--out", str(out), *FAST]) == 0
    s = json.loads((out / "summary.json").read_text())
    report = (out / "report.md").read_text(encoding="utf-8")
    report = report.replace(f"neurogrow {s['neurogrow_version']} on {s['created']}", "neurogrow VERSION on DATE")
    golden(f"{name}_report.md", report.replace(str(tmp_path), "TMP"))
    from neurogrow.rt import format_table

    golden(f"{name}_table.txt", format_table(s) + "\n")
    golden(f"{name}_figures.json", json.dumps(seen, indent=0, sort_keys=True) + "\n")
    for stem in ("scatter", "per_category"):
        assert Image.open(out / f"{stem}.png").info["dpi"] == pytest.approx((150, 150), abs=0.1)
        assert (out / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
    (result,) = results
    stored = GOLDEN / f"{name}_result"
    timings = result.summary["timings_s"]
    assert list(timings) == STAGES and all(0 <= v <= 300 for v in timings.values()), timings
    assert s["timings_s"] == timings
    files = s.pop("files")
    assert sorted(files) == sorted(p.name for p in out.iterdir()) and files[:3] == ["summary.json", "per_image.csv", "report.md"], files
    assert s == json.loads(json.dumps(result.summary)), "summary.json is not the result's summary"
    summary = json.dumps(dict(result.summary, timings_s=dict.fromkeys(STAGES, 0.0)), indent=0)
    summary = summary.replace(str(tmp_path), "TMP").replace(str(ROOT), "REPO") + "\n"
    if os.environ.get("NEUROGROW_UPDATE_GOLDEN") == "1":  # the inputs of the fast test below
        stored.mkdir(exist_ok=True)
        (stored / "summary.json").write_text(summary)
        result.per_image.to_csv(stored / "per_image.csv", index=False)
        if result.per_category is not None:
            result.per_category.to_csv(stored / "per_category.csv", index=False)
    # the whole summary and every table, exactly (numbers to 9 significant digits)
    want = json.loads((stored / "summary.json").read_text())
    _same_numbers(json.loads(summary), dict(want, neurogrow_version=s["neurogrow_version"], created=s["created"]))
    _same_table(_csv_again(result.per_image), stored / "per_image.csv")
    _same_table(pd.read_csv(out / "per_image.csv"), stored / "per_image.csv")
    if result.per_category is None:
        assert not (stored / "per_category.csv").exists()
    else:
        _same_table(_csv_again(result.per_category), stored / "per_category.csv")


STAGES = ["correlations", "bootstrap", "permutation", "two-level bootstrap", "noise ceiling", "within category", "mixed model"]


def _csv_again(df: pd.DataFrame) -> pd.DataFrame:
    """DF as pd.read_csv reads it back from the CSV it writes (so that types compare as stored)."""
    return pd.read_csv(io.StringIO(df.to_csv(index=False)))


def _same_table(got: pd.DataFrame, stored: Path) -> None:
    """GOT equals the stored CSV: the same columns and rows, numbers to 9 significant digits."""
    pd.testing.assert_frame_equal(got, pd.read_csv(stored), check_dtype=False, rtol=1e-9, atol=1e-12)


def _same_numbers(got, want, where: str = "summary") -> None:
    """GOT equals WANT key by key, in the same order, floats to 9 significant digits."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: keys {list(got) if isinstance(got, dict) else got} != {list(want)}"
        for k in want:
            _same_numbers(got[k], want[k], f"{where}/{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r} != {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            _same_numbers(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and not isinstance(got, bool):
        assert isinstance(got, (int, float)) and got == pytest.approx(want, rel=1e-9, abs=1e-12), f"{where}: {got!r} != {want!r}"
    else:
        assert type(got) is type(want) and got == want, f"{where}: {got!r} != {want!r}"


@pytest.mark.parametrize("name", ["trials", "counts", "long", "counts_proven"])
def test_golden_outputs_from_stored_results(name, tmp_path, monkeypatch):
    """The same golden report, table and figure content from the stored results of the runs above,
    without the analysis: fast enough to run against every mutant of report.py and figures.py."""
    import neurogrow.rt.figures as figures
    from neurogrow.rt import format_table
    from neurogrow.rt.analysis import Result
    from neurogrow.rt.report import render_report

    stored = GOLDEN / f"{name}_result"
    s = json.loads((stored / "summary.json").read_text())
    s.update(neurogrow_version="VERSION", created="DATE")
    pc = stored / "per_category.csv"
    result = Result(s, pd.read_csv(stored / "per_image.csv"), pd.read_csv(pc) if pc.exists() else None)
    assert render_report(result) == (GOLDEN / f"{name}_report.md").read_text(encoding="utf-8")
    assert format_table(s) + "\n" == (GOLDEN / f"{name}_table.txt").read_text(encoding="utf-8")
    seen = {}
    monkeypatch.setattr(figures, "_save", lambda fig, folder, stem: seen.setdefault(stem, _describe_figure(fig)) and [f"{stem}.png", f"{stem}.pdf"])
    assert figures.write_figures(result, tmp_path) == ["scatter.png", "scatter.pdf", "per_category.png", "per_category.pdf"]
    assert json.dumps(seen, indent=0, sort_keys=True) + "\n" == (GOLDEN / f"{name}_figures.json").read_text(encoding="utf-8")


def test_golden_outputs_trials_with_baselines_and_mixed_model(tmp_path, monkeypatch):
    """Per-trial Geirhos data (two-level CI, categories, mixed model) and an HDF5 file of halting
    distributions (E[t] and the confidence baselines)."""
    from neurogrow.io import write_times

    stims = _stimuli("edges")
    rng = np.random.default_rng(0)
    n, steps = len(stims), 4
    halting = rng.dirichlet(np.full(steps, 0.7), size=n)
    labels = [s.split("/")[0] for s in stims]
    classes = sorted(set(labels))
    logits = rng.normal(0, 1, (n, steps, len(classes))) + 2.0 * np.eye(len(classes))[[classes.index(c) for c in labels]][:, None]
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    table = pd.DataFrame({"stimulus": stims, "label": labels})
    h5 = write_times(tmp_path / "times.h5", table, probs, halting, classes, attrs={"model_name": "golden"})
    _golden_run(tmp_path, monkeypatch, "trials", [h5, EDGES])


def test_golden_outputs_counts_without_subjects(tmp_path, monkeypatch):
    """CIFAR-10H label counts: entropy, no subjects (image bootstrap), no categories, exit steps."""
    counts = np.load(COUNTS)[:120]
    np.save(tmp_path / "counts.npy", counts)
    rng = np.random.default_rng(1)
    mt = _model_csv(tmp_path / "t.csv", [str(i) for i in range(120)], times=rng.integers(1, 5, 120).astype(float))
    _golden_run(tmp_path, monkeypatch, "counts", [mt, tmp_path / "counts.npy", "--n-splits", "20"])


def test_golden_outputs_long_csv_without_categories(tmp_path, monkeypatch):
    """A bare long CSV (10 subjects, RT in ms, some wrong answers, no categories), model times with
    sha256 proven against a manifest, --correct-only and a --baseline FILE:COLUMN of another model."""
    rng = np.random.default_rng(2)
    frames = []
    for f in sorted(EDGES.glob("*subject-*")):
        t = pd.read_csv(f)
        frames.append(pd.DataFrame({"subject": t["subj"], "stimulus": t["imagename"].str.split("_", n=6).str[6], "rt": 1000 * t["rt"].fillna(0.8),
                                    "correct": (t["object_response"] == t["category"]).astype(int)}))
    long = pd.concat(frames)
    long.to_csv(tmp_path / "trials.csv", index=False)
    stims = sorted(set(long["stimulus"]))
    sha = [f"{i:064x}" for i in range(len(stims))]
    pd.DataFrame({"stimulus": stims, "sha256": sha}).to_csv(tmp_path / "manifest.csv", index=False)
    pd.DataFrame({"stimulus": stims, "model_time": rng.gamma(3.0, 1.0, len(stims)), "sha256": sha}).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame({"stimulus": stims, "t_other": rng.gamma(2.0, 1.0, len(stims))}).to_csv(tmp_path / "other.csv", index=False)
    _golden_run(tmp_path, monkeypatch, "long", [tmp_path / "t.csv", tmp_path / "trials.csv", "--stimuli", tmp_path / "manifest.csv",
                                                "--baseline", f"{tmp_path / 'other.csv'}:t_other", "--rt-unit", "ms", "--rt-max", "1.5", "--rt-min", "0.45", "--correct-only", "--seed", "3"])


def test_golden_outputs_counts_proven_with_a_baseline(tmp_path, monkeypatch):
    """CIFAR-10H label counts with the images proven by a manifest (--stimuli), a baseline file and
    the median-free measure (entropy): identity without trials; one-level intervals of baselines."""
    counts = np.load(COUNTS)[:80]
    np.save(tmp_path / "counts.npy", counts)
    rng = np.random.default_rng(4)
    stims = [str(i) for i in range(80)]
    sha = [f"{i + 7:064x}" for i in range(80)]
    pd.DataFrame({"stimulus": stims, "sha256": sha}).to_csv(tmp_path / "manifest.csv", index=False)
    pd.DataFrame({"stimulus": stims, "model_time": rng.gamma(2.0, 1.0, 80), "sha256": sha}).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame({"stimulus": stims, "model_time": rng.integers(1, 6, 80).astype(float)}).to_csv(tmp_path / "flat.csv", index=False)
    _golden_run(tmp_path, monkeypatch, "counts_proven", [tmp_path / "t.csv", tmp_path / "counts.npy", "--stimuli", tmp_path / "manifest.csv",
                                                         "--baseline", tmp_path / "flat.csv", "--n-splits", "10", "--seed", "5"])


# --- --baseline FILE[:COLUMN] and the model-times helpers, exactly (mutation testing) -----------
def _model(stims, sha=None):
    m = pd.DataFrame({"stimulus": stims, "model_time": np.arange(len(stims), dtype=float)})
    if sha is not None:
        m["sha256"] = sha
    return m


def test_add_baseline_file_from_csv(tmp_path):
    from neurogrow.rt.model_times import add_baseline_file

    model = _model(["cat/a.png", "dog/b.png", "cat/c.png"])
    csv = tmp_path / "other.csv"
    pd.DataFrame({"stimulus": ["c.png", "x/a.png", "b.png"], "model_time": [3, 1, 2], "expected_steps": [9, 9, 9]}).to_csv(csv, index=False)
    out = add_baseline_file(model, str(csv))
    assert out["baseline:other"].tolist() == [1.0, 2.0, 3.0] and out["baseline:other"].dtype == float
    assert list(model.columns) == ["stimulus", "model_time"]  # the input is not changed
    again = add_baseline_file(out, f"{csv}:expected_steps")  # a column by name; a second baseline of the same stem
    assert again["baseline:other:expected_steps"].tolist() == [9.0, 9.0, 9.0]
    third = add_baseline_file(out, str(csv))
    assert third["baseline:other#1"].tolist() == [1.0, 2.0, 3.0]
    steps = tmp_path / "steps.csv"  # no model_time column: the default column
    pd.DataFrame({"stimulus": ["a.png", "b.png", "c.png"], "expected_steps": [1.5, 2.5, 3.5]}).to_csv(steps, index=False)
    assert add_baseline_file(model, str(steps))["baseline:steps"].tolist() == [1.5, 2.5, 3.5]
    from neurogrow.errors import DataError

    with pytest.raises(DataError, match="expected columns stimulus and model_time"):
        add_baseline_file(model, str(steps), column="model_time")
    # a folder with ':' in its name, then FILE:COLUMN; and an existing file whose own name has ':'
    odd = tmp_path / "a:b"
    odd.mkdir()
    pd.DataFrame({"stimulus": ["a.png", "b.png", "c.png"], "rt": [4, 5, 6]}).to_csv(odd / "t.csv", index=False)
    assert add_baseline_file(model, f"{odd / 't.csv'}:rt")["baseline:t:rt"].tolist() == [4.0, 5.0, 6.0]
    colon = tmp_path / "t:1.csv"
    csv_text = csv.read_text()
    colon.write_text(csv_text)
    assert add_baseline_file(model, str(colon))["baseline:t:1"].tolist() == [1.0, 2.0, 3.0]


def test_add_baseline_file_errors(tmp_path):
    from neurogrow.errors import DataError
    from neurogrow.rt.model_times import add_baseline_file

    model = _model(["a.png", "b.png"])
    with pytest.raises(DataError, match=r"^--baseline nope\.csv: file not found; expected FILE\[:COLUMN\] with FILE an extract \.h5 file or a CSV$"):
        add_baseline_file(model, "nope.csv")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"stimulus": ["a.png"], "x": [1]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"^--baseline .*bad\.csv: expected columns stimulus and expected_steps \(found: stimulus, x\)$"):
        add_baseline_file(model, str(bad))
    pd.DataFrame({"name": ["a.png"], "model_time": [1]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"expected columns stimulus and model_time \(found: name, model_time\)$"):
        add_baseline_file(model, str(bad))
    pd.DataFrame({"stimulus": ["a.png", "b.png"], "model_time": [1, -1]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"^--baseline .*bad\.csv: line 3: stimulus 'b.png' has model_time -1; expected a time >= 0"):
        add_baseline_file(model, str(bad))
    pd.DataFrame({"stimulus": ["a.png", "x/a.png", "b.png"], "model_time": [1, 2, 3]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"^--baseline .*bad\.csv: stimulus file name 'a.png' appears twice; expected one row per stimulus$"):
        add_baseline_file(model, str(bad))
    pd.DataFrame({"stimulus": ["a.png", "c.png", "d.png"], "model_time": [1, 2, 3]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"^--baseline .*bad\.csv: 1 of 2 model stimuli have no time in it \(first: 'b.png'\); expected the same stimuli$"):
        add_baseline_file(model, str(bad))


def test_add_baseline_file_checks_image_identity(tmp_path):
    from neurogrow.errors import DataError
    from neurogrow.rt.model_times import add_baseline_file

    model = _model(["a.png", "b.png", "c.png"], sha=["aa", "bb", "cc"])
    f = tmp_path / "o.csv"
    pd.DataFrame({"stimulus": ["a.png", "b.png", "c.png"], "model_time": [1, 2, 3], "sha256": [" AA", "bb ", "Cc"]}).to_csv(f, index=False)
    assert add_baseline_file(model, str(f))["baseline:o"].tolist() == [1.0, 2.0, 3.0]  # case and spaces do not matter
    assert add_baseline_file(model.drop(columns="sha256"), str(f))["baseline:o"].tolist() == [1.0, 2.0, 3.0]
    pd.DataFrame({"stimulus": ["a.png", "b.png", "c.png"], "model_time": [1, 2, 3], "sha256": ["aa", "xx", "yy"]}).to_csv(f, index=False)
    with pytest.raises(DataError, match=r"^--baseline .*o\.csv: stimulus identity: 2 of 3 stimuli are other images than in the model times \(first: 'b.png'\); expected times on the same images$"):
        add_baseline_file(model, str(f))
    pd.DataFrame({"stimulus": ["a.png", "b.png", "c.png"], "model_time": [1, 2, 3]}).to_csv(f, index=False)
    assert add_baseline_file(model, str(f))["baseline:o"].tolist() == [1.0, 2.0, 3.0]  # no sha256 in the baseline: by name


def test_add_baseline_file_from_hdf5(tmp_path):
    from neurogrow.errors import DataError
    from neurogrow.io import read_times, write_times
    from neurogrow.rt.model_times import add_baseline_file

    rng = np.random.default_rng(0)
    stims = ["a.png", "b.png", "c.png"]
    h5 = write_times(tmp_path / "net.h5", pd.DataFrame({"stimulus": stims, "label": ["x", "y", "x"]}),
                     rng.dirichlet(np.ones(2), size=(3, 4)), rng.dirichlet(np.ones(4), size=3), ["x", "y"], attrs={"model_name": "t"})
    ref = read_times(h5)
    model = _model(stims)
    np.testing.assert_allclose(add_baseline_file(model, str(h5))["baseline:net"], ref["expected_steps"])
    np.testing.assert_allclose(add_baseline_file(model, str(h5), column="exit_step")["baseline:net"], ref["exit_step"])
    np.testing.assert_allclose(add_baseline_file(model, f"{h5}:exit_step")["baseline:net:exit_step"], ref["exit_step"])
    with pytest.raises(DataError, match=r"^--baseline .*net\.h5:nope: no column 'nope'; expected one of stimulus, "):
        add_baseline_file(model, f"{h5}:nope")


def test_times_from_extract_carries_the_step_baselines():
    from types import SimpleNamespace

    from neurogrow.rt.model_times import step_baselines, times_from_extract

    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(3), size=(4, 5))
    table = pd.DataFrame({"stimulus": list("abcd"), "expected_steps": [1.0, 2, 3, 4], "exit_step": [1, 2, 5, 3]})
    out = times_from_extract(SimpleNamespace(table=table, step_probs=probs, attrs={"model_name": "m"}))
    want = step_baselines(probs, table["exit_step"].to_numpy())
    assert set(want) and all(np.allclose(out[f"baseline:{k}"], v, equal_nan=True) for k, v in want.items())
    assert out.attrs == {"model_name": "m"} and "baseline:" + next(iter(want)) not in table.columns


def test_examples_in_messages():
    from neurogrow.rt.model_times import _examples

    assert _examples(["a", "b", "c"]) == "'a', 'b', 'c'"
    assert _examples(iter(["a", "b", "c", "d"])) == "'a', 'b', 'c', ..."
    assert _examples(["a", "b"], k=1) == "'a', ..."


def test_baselines_that_cannot_be_analysed_keep_the_fixed_keys():
    stims = _stimuli("edges")
    rng = np.random.default_rng(0)
    mt = pd.DataFrame({"stimulus": stims, "model_time": rng.gamma(3.0, 1.0, len(stims)),
                       "baseline:flat": 2.0, "baseline:gappy": np.r_[np.nan, np.nan, rng.random(len(stims) - 2)],
                       "baseline:step1_entropy": rng.random(len(stims))})
    s = analyse(mt, load_human(EDGES), Options(n_boot=50, n_perm=50, n_splits=5, mixed_model=False)).summary
    empty = {"r": None, "ci95": [None, None], "ci95_two_level": None}
    note = "the same value (2) for every image: its correlation is undefined"
    assert list(s["baselines"]) == ["step1_entropy", "flat", "gappy"]  # the step baselines first
    assert s["baselines"]["flat"] == {
        "definition": "times of another model (--baseline flat)", "spearman": empty, "difference": dict(empty, p_bootstrap=None),
        "partial": empty, "e_t_adds": None, "sentence": f"not analysed: {note}", "note": note}
    assert s["baselines"]["gappy"]["note"] == "2 of 160 images have no value (e.g. an --exit-only times file)"
    assert s["baselines"]["step1_entropy"]["spearman"]["r"] is not None


def _stored_result(name: str):
    from neurogrow.rt.analysis import Result

    stored = GOLDEN / f"{name}_result"
    pc = stored / "per_category.csv"
    s = json.loads((stored / "summary.json").read_text())
    return Result(s, pd.read_csv(stored / "per_image.csv"), pd.read_csv(pc) if pc.exists() else None)


@pytest.mark.parametrize("figures", [True, False])
def test_write_outputs_says_what_it_writes(capsys, tmp_path, figures):
    from neurogrow.rt.pipeline import write_outputs

    write_outputs(_stored_result("counts"), tmp_path / "o", figures=figures)
    extra = " and the figures" if figures else ""
    assert capsys.readouterr().err == f"neurogrow: compare-rt: writing summary.json, per_image.csv, report.md{extra} (o/)\n"
    assert (tmp_path / "o" / "scatter.png").exists() == figures


def test_baseline_sentence_every_branch_exactly():
    from neurogrow.rt.summary import _baseline_sentence

    def b(ci, pci, dr=0.1, pr=0.2):
        return {"difference": {"r": dr, "ci95": ci}, "partial": {"r": pr, "ci95": pci}}

    part = "the partial Spearman correlation of E[t] with the human measure given conf is 0.200 (95% CI [0.100, 0.300])"
    diff = "rho(E[t]) - rho(conf) = 0.100 (95% bootstrap over images CI [{:.3f}, {:.3f}])"
    assert _baseline_sentence("conf", b([0.05, 0.2], [0.1, 0.3]), "ci95") == f"E[t] adds to conf: {diff.format(0.05, 0.2)}, excluding 0; {part}."
    assert _baseline_sentence("conf", b([-0.2, -0.01], [0.1, 0.3]), "ci95") == (
        f"E[t] does not add to conf, which predicts the human measure better: {diff.format(-0.2, -0.01)}; {part}."
    )
    for ci in ([-0.2, 0.0], [0.0, 0.2], [-0.1, 0.1]):  # an end at exactly 0 does not exclude 0
        assert _baseline_sentence("conf", b(ci, [0.1, 0.3]), "ci95") == (
            f"E[t] is not shown to add to conf: {diff.format(*ci)} includes 0; {part}."
        )
    two = _baseline_sentence("conf", {"difference": {"r": 0.1, "ci95_two_level": [0.05, 0.2]}, "partial": {"r": 0.2, "ci95_two_level": [0.1, 0.3]}}, "ci95_two_level")
    assert "(95% two-level (subjects x images) bootstrap CI [0.050, 0.200])" in two
    undetermined = "Whether E[t] adds to conf is undetermined: no finite bootstrap resamples."
    for case in (b(None, [0.1, 0.3]), b([None, None], [0.1, 0.3]), b([0.1, 0.2], None), b([0.1, 0.2], [None, None]),
                 b([0.1, 0.2], [0.1, 0.3], dr=None), b([0.1, 0.2], [0.1, 0.3], pr=None)):
        assert _baseline_sentence("conf", case, "ci95") == undetermined


def _edge_result(variant: str):
    """The stored CIFAR-10H result changed into the cases the shipped runs do not reach."""
    r = _stored_result("counts")
    s, pi = dict(r.summary), r.per_image.copy()
    s.update(neurogrow_version="VERSION", created="DATE")
    if variant == "no_categories":  # no category column, identity proven, a human format without a long name
        pi["category"] = np.nan
        s["inputs"] = dict(s["inputs"], human_format="my_format")
        s["stimulus_identity"] = "sha256"
        s["stimulus_identity_detail"] = {"method": "sha256", "human_stimuli": "TMP/stimuli", "n_verified": len(pi), "note": "verified"}
        return type(r)(s, pi, None)
    # one category; model times with no pile-up (no jitter) and a histogram of a single value
    pi["category"] = "cat"
    pi["model_time"] = 2.0
    pi["model_time_resid"] = np.linspace(-1.0, 1.0, len(pi)) + 0.001 * np.arange(len(pi)) ** 2
    pc = r.per_category.iloc[:1].assign(category="cat", n=len(pi))
    return type(r)(s, pi, pc)


@pytest.mark.parametrize("variant", ["no_categories", "one_category"])
def test_golden_outputs_of_edge_cases(variant, tmp_path, monkeypatch):
    import neurogrow.rt.figures as figures
    from neurogrow.rt.report import render_report

    result = _edge_result(variant)
    seen = {}
    monkeypatch.setattr(figures, "_save", lambda fig, folder, stem: seen.setdefault(stem, _describe_figure(fig)) and [f"{stem}.png", f"{stem}.pdf"])
    figures.write_figures(result, tmp_path)
    golden(f"edge_{variant}_report.md", render_report(result))
    golden(f"edge_{variant}_figures.json", json.dumps(seen, indent=0, sort_keys=True) + "\n")


def test_jitter_width_every_branch_exactly():
    """0 for fewer than two values or no pile; 0.1 when all are equal; 0.2 of the smallest gap on a
    coarse grid (a span of exactly 1 included); 2 % of the span for near-ties of continuous values."""
    from neurogrow.rt.figures import jitter_width

    assert jitter_width(np.array([3.0])) == 0.0 and jitter_width(np.array([np.nan, 2.0])) == 0.0
    assert jitter_width(np.full(10, 2.5)) == 0.1
    assert jitter_width(np.repeat([0.0, 1.0], 6)) == pytest.approx(0.2)
    assert jitter_width(np.repeat([1.0, 1.5, 3.0], [3, 8, 5])) == pytest.approx(0.1)
    assert jitter_width(np.linspace(1, 4, 160)) == 0.0
    assert jitter_width(np.array([0.0, 0.0, 0.0, 1, 2, 3, 4, 5, 6, 7])) == pytest.approx(0.2)  # 8 values in 10: a pile
    assert jitter_width(np.array([0.0, 0.0, 1, 2, 3, 4, 5, 6, 7, 8])) == 0.0  # 9 in 10: none
    near = np.concatenate([np.full(20, 1.0) + np.arange(20) * 1e-6, np.linspace(2.0, 5.0, 5)])
    assert jitter_width(near) == pytest.approx(0.02 * (5.0 - 1.0))
    for x in (np.repeat([1.0, 1.5, 3.0], [3, 8, 5]), near, np.array([0.0, 0.0, 0.0, 1, 2, 3, 4, 5, 6, 7])):
        assert jitter_width(x + 100.0) == pytest.approx(jitter_width(x))  # only the spacing of the values counts
    # ten distinct values 0.5 % of the span apart in pairs: no pile, whatever their offset from 0
    spread = 0.00125 + 0.005 * np.array([0, 200, 10.2, 10.7, 20.2, 20.7, 30.2, 30.7, 40.2, 40.7])
    assert jitter_width(spread) == 0.0 == jitter_width(spread - 0.00125)


def test_experiment_name_and_p_value_formats():
    from neurogrow.rt.figures import experiment_name
    from neurogrow.rt.report import _p
    from neurogrow.rt.summary import excludes_zero

    assert experiment_name({}) == experiment_name({"inputs": {"human": None}}) == "human data"
    assert experiment_name({"inputs": {"human": "a/b/edge-experiment/"}}) == "edge-experiment"
    assert experiment_name({"inputs": {"human": "a/trials.CSV"}}) == "trials" and experiment_name({"inputs": {"human": "c.npy"}}) == "c"
    assert [_p(None), _p(0.0), _p(0.5), _p(1e-4), _p(2.5e-5)] == ["n/a", "< 1e-300", "0.5000", "0.0001", "2.5e-05"]
    assert [excludes_zero(c) for c in (None, [], [None, 1.0], [1.0, None], [0.1, 0.2], [-0.2, -0.1], [-0.1, 0.1], [0.0, 0.2])] == [
        None, None, None, None, True, True, False, False]


def test_baselines_from_an_extract_file_use_the_chosen_model_time(tmp_path):
    """--model-time exit_step reads the exit step from the model's file and from a baseline file."""
    from neurogrow.io import write_times
    from neurogrow.rt.pipeline import compare_rt

    stims = _stimuli("edges")
    rng = np.random.default_rng(3)
    files = []
    for k in range(2):
        halting = rng.dirichlet(np.full(4, 0.7), size=len(stims))
        probs = rng.dirichlet(np.ones(3), size=(len(stims), 4))
        table = pd.DataFrame({"stimulus": stims, "label": [s.split("/")[0] for s in stims]})
        files.append(write_times(tmp_path / f"m{k}.h5", table, probs, halting, ["a", "b", "c"]))
    exit_step = load_model_times(files[1], "exit_step")["model_time"]
    opts = Options(model_time="exit_step", baselines=[str(files[1])], n_boot=20, n_perm=20, n_splits=5, mixed_model=False)
    r = compare_rt(files[0], EDGES, None, opts)
    got = r.per_image.set_index("model_stimulus")["baseline:m1"].reindex(stims).to_numpy()
    assert got == pytest.approx(exit_step.to_numpy()) and set(np.unique(got)) <= {1.0, 2.0, 3.0, 4.0}


def test_outputs_are_utf8_whatever_the_locale(monkeypatch, tmp_path):
    """report.md holds ρ and √: written without an explicit encoding it would fail (or be
    mis-encoded) where the locale's encoding is not UTF-8 (C locale, Windows). Simulated by making
    ASCII the default encoding of Path.write_text."""
    import pathlib

    from neurogrow.rt.pipeline import write_outputs

    write_text = pathlib.Path.write_text

    def ascii_default(self, data, encoding=None, errors=None, newline=None):
        return write_text(self, data, encoding=encoding or "ascii", errors=errors, newline=newline)

    monkeypatch.setattr(pathlib.Path, "write_text", ascii_default)
    result = _stored_result("counts")
    write_outputs(result, tmp_path / "o", figures=False)
    report = (tmp_path / "o" / "report.md").read_bytes().decode("utf-8")
    assert "ρ" in report and "√" in report
    assert json.loads((tmp_path / "o" / "summary.json").read_bytes().decode("utf-8"))["n_stimuli"] == result.summary["n_stimuli"]


@pytest.mark.parametrize("n,size", [(1000, 16), (1001, 8)])
def test_scatter_points_are_smaller_above_1000_images(n, size):
    import matplotlib.pyplot as plt

    from neurogrow.rt.figures import _scatter

    r = _stored_result("counts")
    df = r.per_image.iloc[np.arange(n) % len(r.per_image)].reset_index(drop=True)
    fig = _scatter(plt, df, r.summary, "model time", "y")
    sizes = np.concatenate([c.get_sizes() for c in fig.axes[0].collections])
    plt.close(fig)
    assert np.all(sizes == size * 1.4)  # one colour and marker per category, 1.4 times the plain size


def test_scatter_legend_markers_are_larger_than_the_points():
    """The legend's markers are 1.2 times the points' diameter (markerscale: area x 1.44), so a
    category's colour and shape read at the legend's small font."""
    import matplotlib.pyplot as plt

    from neurogrow.rt.figures import _scatter

    r = _stored_result("counts")
    fig = _scatter(plt, r.per_image, r.summary, "model time", "y")
    handles = fig.axes[0].get_legend().legend_handles
    plt.close(fig)
    assert len(handles) == r.per_image["category"].nunique()
    for h in handles:
        assert h.get_sizes() == pytest.approx([16 * 1.4 * 1.2**2])


def test_scatter_histogram_of_equal_model_times_is_one_bar():
    """Model times equal but for rounding (spread 1e-12): the marginal histogram is one bar one
    unit wide centred on them, as numpy makes it for exactly equal values, not bins 1e-13 wide."""
    import matplotlib.pyplot as plt

    from neurogrow.rt.figures import _scatter

    r = _stored_result("counts")
    df = r.per_image.assign(model_time=3.0 + 1e-12 * (np.arange(len(r.per_image)) % 2))
    fig = _scatter(plt, df, r.summary, "model time", "y")
    bars = [p.get_bbox().bounds for p in fig.axes[1].patches]
    plt.close(fig)
    assert bars == [pytest.approx((2.5, 0.0, 1.0, len(df)))]


def test_figures_are_saved_cropped_to_their_content(tmp_path):
    """bbox_inches="tight": nothing drawn outside the canvas is cut (the legend below the axes)
    and no wide blank margin is left. Measured: 14-21 px of blank at each edge (the 0.1 inch pad,
    15 px at 150 dpi, plus the blank inside text boxes); uncropped, 40-89 px at three edges."""
    import matplotlib.pyplot as plt
    from PIL import Image

    from neurogrow.rt.figures import _save, _scatter

    r = _stored_result("counts")
    fig = _scatter(plt, r.per_image, r.summary, "model time", "y")
    _save(fig, tmp_path, "scatter")
    plt.close(fig)
    ink = np.asarray(Image.open(tmp_path / "scatter.png").convert("L")) < 250
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    h, w = ink.shape
    margins = [rows[0], h - 1 - rows[-1], cols[0], w - 1 - cols[-1]]
    assert max(margins) <= 24 and min(margins) >= 1, margins


def test_compare_rt_names_a_frame_of_model_times_as_such(tmp_path):
    """Model times passed as a DataFrame (the Python API) have no file: the summary's inputs say so."""
    from neurogrow.rt.pipeline import compare_rt

    times = pd.read_csv(_model_csv(tmp_path / "times.csv", _stimuli("edges")))
    r = compare_rt(times, EDGES, None, Options(n_boot=20, n_perm=20, n_splits=5, mixed_model=False))
    assert r.summary["inputs"]["model_times"] == "a table passed from Python"
    assert compare_rt(tmp_path / "times.csv", EDGES, None, Options(n_boot=20, n_perm=20, n_splits=5, mixed_model=False)).summary["inputs"]["model_times"] == str(tmp_path / "times.csv")


def test_rt_inputs_names_every_input_and_a_baseline_file_with_colons(tmp_path):
    """The inputs compare-rt must not overwrite, named for the error: a --baseline FILE:COLUMN is the
    file before the last colon (the file name may hold colons); an existing file is taken whole."""
    from neurogrow.rt.pipeline import rt_inputs

    whole = tmp_path / "b:c.csv"
    whole.write_text("stimulus,confidence\n")
    opts = Options(baselines=["x/a:b.csv:confidence", str(whole)], stimuli="S")
    assert rt_inputs("m.h5", "H", opts, "L.csv") == [
        ("model times file", "m.h5"), ("human data", "H"), ("labels file", "L.csv"), ("stimuli", "S"),
        ("baseline file", "x/a:b.csv"), ("baseline file", str(whole)),
    ]


def test_console_table_of_unavailable_baselines_and_an_undefined_subject_only_interval():
    """A baseline with no correlation (a constant confidence) gets 'n/a' and its note; a subject-only
    fit whose interval is not finite (a singular Hessian) prints it as Python formats NaN."""
    from neurogrow.rt import format_table

    s = _stored_result("trials").summary
    name = next(iter(s["baselines"]))
    s["baselines"][name] = {"spearman": {"r": None}, "note": "constant over the images"}
    lines = format_table(s).splitlines()
    assert f"{name:30s}{'n/a':>8s}  constant over the images" in lines
    s["mixed_model"]["subject_only"] = {"coef": 0.01234, "p": 0.5, "ci95": [float("nan"), float("nan")]}
    row = next(ln for ln in format_table(s).splitlines() if ln.startswith("  subject-only model"))
    assert row.split()[2:] == ["0.0123", "[nan,", "nan]", "0.5000"], row


def test_per_category_correlation_needs_three_images_that_vary():
    """A category's Spearman (and its CI) is given from 3 images on, when both variables vary; NaN
    for 2 images or a constant variable."""
    from neurogrow.rt.analysis import per_category_table

    df = pd.DataFrame({
        "category": ["three"] * 3 + ["two"] * 2 + ["flat"] * 4,
        "model_time": [1.0, 2.0, 3.0, 1.0, 2.0, 1.0, 2.0, 3.0, 4.0],
        "human_measure": [0.1, 0.3, 0.2, 0.1, 0.2, 0.5, 0.5, 0.5, 0.5],
    })
    pc = per_category_table(df, n_boot=50, seed=0).set_index("category")
    assert pc.loc["three", "spearman"] == pytest.approx(0.5)
    assert np.isfinite(pc.loc["three", ["spearman_ci95_low", "spearman_ci95_high"]].to_numpy(float)).all()
    assert pc.loc[["two", "flat"], ["spearman", "spearman_ci95_low", "spearman_ci95_high"]].isna().all().all()
    assert pc["n"].to_dict() == {"flat": 4, "three": 3, "two": 2}


def test_per_image_residuals_are_float_nan_without_categories(tmp_path):
    """With one category there is nothing to residualise: both residual columns are float NaN (not
    None in an object column), so per_image stays a numeric table."""
    times = load_model_times(_model_csv(tmp_path / "t.csv", _stimuli("edges")))
    human = load_human(EDGES)
    human.trials["category"] = "all"
    r = analyse(times, human, Options(n_boot=20, n_perm=20, n_splits=5, mixed_model=False))
    resid = r.per_image[["model_time_resid", "human_measure_resid"]]
    assert r.per_category is None and r.summary["n_categories"] == 0
    assert resid.dtypes.tolist() == [np.dtype(float)] * 2 and resid.isna().all().all()
    # the summary in Python is the summary file: lists, not tuples (JSON writes both as lists)
    assert json.loads(json.dumps(r.summary["options"])) == r.summary["options"]


def test_model_times_csv_keeps_its_categories_when_every_row_has_one(tmp_path):
    """A CSV's category column is kept (compare-rt uses it where the human data have none); a column
    with an empty cell is dropped, not half-used."""
    path = tmp_path / "t.csv"
    path.write_text("stimulus,model_time,category\na.png,1.5,cat\nb.png,2.5,dog\n")
    t = load_model_times(path)
    assert t.columns.tolist() == ["stimulus", "model_time", "category"] and t["category"].tolist() == ["cat", "dog"]
    path.write_text("stimulus,model_time,category\na.png,1.5,cat\nb.png,2.5,\n")
    assert load_model_times(path).columns.tolist() == ["stimulus", "model_time"]


def test_bad_model_times_are_named_by_stimulus(tmp_path):
    """A negative model time, in a CSV or in a table passed from Python: the message names the
    stimulus (and the CSV's line)."""
    from neurogrow.errors import DataError
    from neurogrow.rt.model_times import model_times_frame

    path = tmp_path / "t.csv"
    path.write_text("stimulus,model_time\na.png,1.5\nb.png,-2\n")
    with pytest.raises(DataError, match=r"t\.csv: line 3: stimulus 'b\.png' has model_time -2; expected a time >= 0"):
        load_model_times(path)
    table = pd.DataFrame({"stimulus": ["a.png", "b.png"], "model_time": [1.5, -2.0]})
    with pytest.raises(DataError, match=r"^a table: stimulus 'b\.png' has model_time -2; expected a time >= 0"):
        model_times_frame(table, source="a table")
    with pytest.raises(DataError, match=r"^a table: stimulus 'b\.png' has model time 'slow'; expected a finite number$"):
        model_times_frame(table.assign(model_time=["1.5", "slow"]), source="a table")
    with pytest.raises(DataError, match=r"^a table: no column model_time or exit_step; expected columns stimulus,model_time$"):
        model_times_frame(table.drop(columns="model_time"), "exit_step", source="a table")


def test_no_overlap_message_ends_with_the_hint_given_or_nothing():
    from neurogrow.errors import DataError
    from neurogrow.rt.model_times import match_stimuli

    model = pd.DataFrame({"stimulus": ["x.png"], "model_time": [1.0]})
    with pytest.raises(DataError, match=r"stimuli are matched by file name without folders$"):
        match_stimuli(model, ["y.png"])
    with pytest.raises(DataError, match=r"without folders; see --stimuli$"):
        match_stimuli(model, ["y.png"], hint="; see --stimuli")


def test_a_mixed_model_that_cannot_be_fitted_is_reported_not_raised(tmp_path, monkeypatch):
    """A singular design (LinAlgError, ValueError) in either mixed model: its entry has no estimate
    and the first line of the error; the rest of the analysis stands."""
    import neurogrow.stats as ng_stats
    import neurogrow.stats.mixed as mixed

    def fail(kind):
        def fit(*args):
            raise kind("singular matrix\ndetails")
        return fit

    monkeypatch.setattr(mixed, "fit_crossed", fail(ValueError))
    monkeypatch.setattr(ng_stats, "fit_mixed", fail(np.linalg.LinAlgError))
    times = load_model_times(_model_csv(tmp_path / "t.csv", _stimuli("edges")))
    s = analyse(times, load_human(EDGES), Options(n_boot=20, n_perm=20, n_splits=5)).summary
    empty = {"coef": None, "ci95": [None, None], "p": None, "error": "singular matrix"}
    assert s["mixed_model"] == {**empty, "random_effects": "crossed: subject and image", "subject_only": {**empty, "random_effects": "subject"}}
    assert s["spearman"]["r"] is not None


@pytest.mark.parametrize("value, ok", [(5, True), (2.5, True), (None, True), ("5", False), (True, False)])
def test_rt_limits_are_numbers_of_seconds(value, ok):
    from neurogrow.errors import NeurogrowError

    for name in ("rt_max", "rt_min"):
        opts = Options(**{name: value})
        if ok:
            opts.validate()
        else:
            with pytest.raises(NeurogrowError, match=rf"^--{name.replace('_', '-')} {value!r}: expected a number of seconds, got {type(value).__name__}$"):
                opts.validate()


def test_an_image_with_no_used_response_has_n_used_zero():
    from neurogrow.rt.human_measures import image_measures

    human = load_human(EDGES)
    first = human.trials["stimulus"].iloc[0]
    human.trials.loc[human.trials["stimulus"] == first, "correct"] = False
    m = image_measures(human, list(human.stimuli), correct_only=True).set_index("stimulus")
    assert m.loc[first, "n_used"] == 0 and np.isnan(m.loc[first, "mean_log_rt"]) and m.loc[first, "n_responses"] > 0
    resp = human.trials[human.trials["responded"] & human.trials["correct"].fillna(False).astype(bool)]
    assert m["n_used"].to_dict() == resp.groupby("stimulus").size().reindex(m.index).fillna(0).astype(int).to_dict()


def test_no_overlap_with_cifar10h_counts_says_how_their_stimuli_are_named(tmp_path):
    from neurogrow.errors import DataError
    from neurogrow.rt.human_measures import match_to_human

    np.save(tmp_path / "counts.npy", np.ones((20, 10), dtype=int))
    times = pd.DataFrame({"stimulus": ["a.png", "b.png"], "model_time": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"without folders \(.*counts\.npy is read as CIFAR-10H counts of shape \(20, 10\).*by test-set index"):
        match_to_human(times, load_human(tmp_path / "counts.npy"), Options())


def test_per_category_interval_drawn_from_its_ends_even_when_it_misses_the_estimate(tmp_path, monkeypatch):
    """With few images a percentile CI can lie wholly on one side of its estimate; the figure draws
    [low, high] as it is (matplotlib refused the negative error lengths: compare-rt crashed)."""
    import neurogrow.rt.figures as figures

    r = _stored_result("counts")
    pc = r.per_category.copy()
    pc.loc[0, ["spearman", "spearman_ci95_low", "spearman_ci95_high"]] = [0.5, 0.6, 0.9]
    seen = {}
    monkeypatch.setattr(figures, "_save", lambda fig, folder, stem: seen.setdefault(stem, _describe_figure(fig)) and [f"{stem}.png", f"{stem}.pdf"])
    figures.write_figures(type(r)(r.summary, r.per_image, pc), tmp_path)
    (bars,) = [c for c in seen["per_category"]["axes"][0]["collections"] if c["kind"] == "LineCollection"]
    first = pc.sort_values("category").index.get_loc(0)
    assert bars["segments"][first] == [[0.6, first], [0.9, first]]


def test_unjittered_points_sit_at_their_model_time_and_a_missing_ci_is_not_drawn(tmp_path, monkeypatch):
    """No pile, no jitter: each point at its exact model time.  A category without a CI (None, as a
    hand-built table may hold) gets no error bar; the undetermined primary CI is said in report.md."""
    import neurogrow.rt.figures as figures
    from neurogrow.rt.report import render_report

    r = _stored_result("counts")
    pi = r.per_image.assign(model_time=np.linspace(1.0, 4.0, len(r.per_image)))
    pc = r.per_category.astype({"spearman_ci95_low": object, "spearman_ci95_high": object})
    pc.loc[0, ["spearman_ci95_low", "spearman_ci95_high"]] = [None, None]
    seen = {}
    monkeypatch.setattr(figures, "_save", lambda fig, folder, stem: seen.setdefault(stem, _describe_figure(fig)) and [f"{stem}.png", f"{stem}.pdf"])
    figures.write_figures(type(r)(r.summary, pi, pc), tmp_path)
    xs = np.concatenate([np.asarray(c["offsets"])[:, 0] for c in seen["scatter"]["axes"][0]["collections"]])
    assert sorted(xs) == pytest.approx(np.round(np.linspace(1.0, 4.0, len(pi)), 4))
    (bars,) = [c for c in seen["per_category"]["axes"][0]["collections"] if c["kind"] == "LineCollection"]
    assert len(bars["segments"]) == len(pc) - 1
    s = dict(r.summary, spearman=dict(r.summary["spearman"], ci95=[None, None], significant=None))
    assert "undetermined by the primary CI" in render_report(type(r)(s, r.per_image, r.per_category))
