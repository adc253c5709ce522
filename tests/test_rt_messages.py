"""compare-rt's model-times and human-measure helpers, exactly: every refusal's whole message (golden),
the CSV and table forms of model times, the confidence step at its threshold, and the mixed models'
inputs.  Each test here was written against a mutant that survived the rest of the suite."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurogrow.errors import NeurogrowError
from neurogrow.human.base import HumanData
from neurogrow.rt import Options
from neurogrow.rt.human_measures import image_measures, per_image_table, resolve_measure
from neurogrow.rt.model_times import add_baseline_file, load_model_times, match_stimuli, model_times_frame, step_baselines

from conftest import golden


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _model(stims, **cols) -> pd.DataFrame:
    return pd.DataFrame({"stimulus": stims, "model_time": np.arange(1.0, len(stims) + 1), **cols})


def _trials(correct=None) -> HumanData:
    """3 subjects x 12 images (a, b, c categories), RT in seconds; ``correct`` per trial or unknown."""
    rng = np.random.default_rng(0)
    n = 36
    df = pd.DataFrame({
        "subject": np.repeat(["s1", "s2", "s3"], 12), "stimulus": np.tile([f"i{k:02d}.png" for k in range(12)], 3),
        "rt": rng.uniform(0.4, 1.2, n), "responded": True,
        "correct": (np.arange(n) % 4 != 0).astype(float) if correct is None else correct,
        "category": np.tile(list("abc") * 4, 3),
    })
    return HumanData(format="long_csv", source="trials.csv", trials=df)


def _matched(n: int) -> pd.DataFrame:
    stims = [f"i{k:02d}.png" for k in range(n)]
    return pd.DataFrame({"stimulus": stims, "model_stimulus": stims, "model_time": np.arange(float(n))})


def _same_rt() -> HumanData:
    h = _trials()
    return HumanData(format=h.format, source="same.csv", trials=h.trials.assign(rt=0.7))


def _cases(tmp: Path) -> dict:
    """name -> a call that must raise, on inputs written under ``tmp``."""
    h5_like = tmp / "fake.h5"
    h5_like.write_bytes(b"not hdf5 at all")
    ok = _csv(tmp / "ok.csv", "stimulus,model_time\na.png,1\nb.png,2\n")
    sha = _model(["a.png", "b.png"], sha256=["0" * 64, "1" * 64])
    counts = HumanData(format="cifar10h_counts", source="counts.npy", counts=np.ones((3, 10)))
    return {
        "load/not found": lambda: load_model_times(tmp / "absent.csv"),
        "load/folder": lambda: load_model_times(tmp),
        "load/no columns": lambda: load_model_times(_csv(tmp / "e.csv", "\n")),
        "load/missing model_time": lambda: load_model_times(_csv(tmp / "m.csv", "stimulus,t\na.png,1\n")),
        "load/missing both": lambda: load_model_times(_csv(tmp / "m2.csv", "x,t\na.png,1\n")),
        "load/no rows": lambda: load_model_times(_csv(tmp / "r.csv", "stimulus,model_time\n")),
        "load/not finite": lambda: load_model_times(_csv(tmp / "f.csv", "stimulus,model_time\na.png,1\nb.png,inf\n")),
        "load/negative": lambda: load_model_times(_csv(tmp / "n.csv", "stimulus,model_time\na.png,1\nb.png,-2\n")),
        "load/empty stimulus": lambda: load_model_times(_csv(tmp / "s.csv", 'stimulus,model_time\na.png,1\n"",2\n')),
        "load/twice": lambda: load_model_times(_csv(tmp / "d.csv", "stimulus,model_time\na.png,1\nb.png,2\na.png,3\n")),
        "load/fake h5": lambda: load_model_times(h5_like),
        "frame/no stimulus": lambda: model_times_frame(pd.DataFrame({"model_time": [1.0]}), source="T"),
        "frame/no time": lambda: model_times_frame(pd.DataFrame({"stimulus": ["a"], "t": [1.0]}), "exit_step", "T"),
        "frame/not finite": lambda: model_times_frame(pd.DataFrame({"stimulus": ["a", "b"], "model_time": [1.0, "x"]}), source="T"),
        "frame/twice": lambda: model_times_frame(pd.DataFrame({"stimulus": ["a", "b", "a"], "model_time": [1.0, 2.0, 3.0]}), source="T"),
        "frame/no stimuli": lambda: model_times_frame(pd.DataFrame({"stimulus": [], "model_time": []}), source="T"),
        "baseline/not found": lambda: add_baseline_file(_model(["a.png"]), str(tmp / "absent.csv")),
        "baseline/no column": lambda: add_baseline_file(_model(["a.png"]), f"{ok}:t2"),
        "baseline/empty": lambda: add_baseline_file(_model(["a.png"]), str(_csv(tmp / "be.csv", "\n"))),
        "baseline/twice": lambda: add_baseline_file(_model(["a.png"]), str(_csv(tmp / "bt.csv", "stimulus,model_time\nx/a.png,1\ny/a.png,2\n"))),
        "baseline/absent": lambda: add_baseline_file(_model(["a.png", "b.png", "c.png"]), str(ok)),
        "baseline/other images": lambda: add_baseline_file(sha, str(_csv(tmp / "bs.csv", f"stimulus,model_time,sha256\na.png,1,{'0' * 64}\nb.png,2,{'2' * 64}\n"))),
        "baseline/negative": lambda: add_baseline_file(_model(["a.png"]), str(_csv(tmp / "bn.csv", "stimulus,model_time\na.png,-1\n"))),
        "match/no overlap": lambda: match_stimuli(_model(["x/p.png", "x/q.png", "x/r.png", "x/s.png"]), ["a.png", "b.png", "c.png", "d.png"]),
        "match/ambiguous": lambda: match_stimuli(_model(["x/a.png", "y/a.png", "x/b.png", "y/b.png"]), ["a.png", "b.png"]),
        "match/unmatched": lambda: match_stimuli(_model(["a.png"]), ["a.png", "b.png", "c.png", "d.png", "e.png"]),
        "match/unknown": lambda: match_stimuli(_model(["a.png", "b.png", "c.png", "d.png", "e.png"]), ["a.png"]),
        "measure/trials": lambda: resolve_measure(_trials(), Options(measure="entropy")),
        "measure/accuracy correct-only": lambda: resolve_measure(_trials(), Options(measure="accuracy", correct_only=True)),
        "measure/correct-only unknown": lambda: resolve_measure(_trials(np.nan), Options(correct_only=True)),
        "measure/accuracy unknown": lambda: resolve_measure(_trials(np.nan), Options(measure="accuracy")),
        "measure/counts": lambda: resolve_measure(counts, Options(measure="median_rt")),
        "measure/counts correct-only": lambda: resolve_measure(counts, Options(correct_only=True)),
        "variable/few images": lambda: per_image_table(_matched(2), _trials(), "mean_log_rt", Options(correct_only=True)),
        "variable/few images all": lambda: per_image_table(_matched(2), _trials(), "median_rt", Options()),
        "variable/same model time": lambda: per_image_table(_matched(12).assign(model_time=2.5), _trials(), "mean_log_rt", Options()),
        "variable/same human measure": lambda: per_image_table(_matched(12), _same_rt(), "median_rt", Options()),
        "options/measure": lambda: Options(measure="mode").validate(),
        "options/model time": lambda: Options(model_time="halting").validate(),
        "options/rt max": lambda: Options(rt_max="2").validate(),
        "options/stimuli": lambda: Options(stimuli=3).validate(),
    }


def test_every_refusal_says_exactly_what_was_expected(tmp_path):
    """The whole message of each refusal, with its class, as in tests/data/golden/rt_messages.json
    (rerun with NEUROGROW_UPDATE_GOLDEN=1 after an intended change and review the diff)."""
    seen = {}
    for name, call in _cases(tmp_path).items():
        with pytest.raises(NeurogrowError) as e:
            call()
        seen[name] = f"{type(e.value).__name__}: {str(e.value).replace(str(tmp_path), 'TMP')}"
    golden("rt_messages.json", json.dumps(seen, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def test_a_csv_of_extract_times_reads_its_column(tmp_path):
    """A CSV without model_time but with the chosen column (read_times(...).to_csv()) is read
    from that column; with both, model_time wins; categories are kept when every row has one."""
    p = _csv(tmp_path / "t.csv", "stimulus,expected_steps,exit_step,category\na.png,1.5,2,x\nb.png,2.5,3,y\n")
    t = load_model_times(p)
    assert t["model_time"].tolist() == [1.5, 2.5] and t["category"].tolist() == ["x", "y"]
    assert load_model_times(p, "exit_step")["model_time"].tolist() == [2.0, 3.0]
    q = _csv(tmp_path / "q.csv", "stimulus,model_time,exit_step\na.png,7,2\nb.png,8,3\n")
    assert load_model_times(q, "exit_step")["model_time"].tolist() == [7.0, 8.0]
    both = model_times_frame(pd.DataFrame({"stimulus": ["a", "b"], "exit_step": [2, 3], "label": ["u", "v"]}), "exit_step")
    assert both["model_time"].tolist() == [2.0, 3.0] and both["category"].tolist() == ["u", "v"]


def test_confidence_step_counts_a_probability_exactly_at_the_threshold():
    got = step_baselines(np.array([[[0.5, 0.5], [0.7, 0.3]]]), np.array([2]), threshold=0.5)
    assert got["confidence_step"].tolist() == [1.0]
    got = step_baselines(np.array([[[0.4, 0.3, 0.3], [0.5, 0.3, 0.2]]]), np.array([2]), threshold=0.5)
    assert got["confidence_step"].tolist() == [2.0]


def test_image_measures_use_every_response_unless_told():
    human = _trials()
    stims = [f"i{k:02d}.png" for k in range(12)]
    every = image_measures(human, stims)
    assert every["n_used"].tolist() == every["n_responses"].tolist() == [3] * 12
    correct = image_measures(human, stims, correct_only=True)
    assert correct["n_used"].sum() == 27 and correct["accuracy"].tolist() == every["accuracy"].tolist()
    order = ["zz.png", *stims[::-1]]  # in the order asked for, with an image no one saw
    some = image_measures(human, order)
    t = human.trials
    for col, want in (("median_rt", t.groupby("stimulus")["rt"].median()), ("mean_log_rt", np.log(t["rt"]).groupby(t["stimulus"]).mean()),
                      ("accuracy", t.groupby("stimulus")["correct"].mean()), ("n_used", t.groupby("stimulus").size())):
        got = some[col].to_numpy(float)
        assert np.isnan(got[0]) or got[0] == 0, col
        assert got[1:] == pytest.approx(want.reindex(order[1:]).to_numpy(float)), col


def test_per_image_table_keeps_the_model_columns_beside_the_human_ones():
    """A model column that the human summaries also have (category) keeps its name, and the human
    one is the category when the model has none."""
    human = _trials()
    stims = [f"i{k:02d}.png" for k in range(12)]
    matched = pd.DataFrame({"stimulus": stims, "model_stimulus": stims, "model_time": np.arange(12.0), "category": "model"})
    per_image, excluded = per_image_table(matched, human, "mean_log_rt", Options())
    assert excluded == [] and per_image["category"].tolist() == ["model"] * 12
    assert "category_human" in per_image.columns and per_image["category_human"].tolist() == list("abc") * 4
    matched = matched.drop(columns="category").assign(model_category="m")
    per_image, _ = per_image_table(matched, human, "mean_log_rt", Options())
    assert per_image["category"].tolist() == list("abc") * 4 and "model_category" not in per_image.columns


def test_mixed_models_take_object_columns():
    """Per-trial columns of dtype object (a DataFrame column after a merge) fit as floats."""
    from neurogrow.stats.mixed import fit_crossed, fit_mixed

    rng = np.random.default_rng(0)
    s, i = np.repeat(np.arange(6), 20), np.tile(np.arange(20), 6)
    t = rng.normal(size=20)[i]
    y = 0.1 * t + rng.normal(size=120) * 0.3 + rng.normal(size=6)[s] * 0.2
    for fit, args in ((fit_crossed, (s, i)), (fit_mixed, (s,))):
        a = fit(y, t, *args)
        b = fit(pd.Series(y, dtype=object), pd.Series(t, dtype=object), *args)
        assert b["coef"] == pytest.approx(a["coef"], rel=1e-9) and b["se"] == pytest.approx(a["se"], rel=1e-9)


def test_fit_ratios_reports_the_objective_at_its_optimum():
    from neurogrow.stats.mixed import _CrossedREML, _fit_ratios

    rng = np.random.default_rng(1)
    s, i = np.repeat(np.arange(5), 16), np.tile(np.arange(16), 5)
    y = rng.normal(size=80) + rng.normal(size=16)[i]
    reml = _CrossedREML(y, np.ones((80, 1)), s, i)
    res = _fit_ratios(reml)
    assert res.fun == pytest.approx(reml.objective(res.x), rel=1e-12)
    assert res.fun > 10  # -2 REML log-likelihood of 80 trials, not its change from the start


def test_convergence_messages_exactly():
    """A failed stop, a gradient left, a ratio at its upper bound and one at 0, each named."""
    from types import SimpleNamespace

    from neurogrow.stats.mixed import LOG_RATIO_BOUNDS, _convergence, _CrossedREML, _fit_ratios

    rng = np.random.default_rng(2)
    s, i = np.repeat(np.arange(5), 16), np.tile(np.arange(16), 5)
    y = rng.normal(size=80) + rng.normal(size=16)[i] + rng.normal(size=5)[s]
    reml = _CrossedREML(y, np.ones((80, 1)), s, i)
    res = _fit_ratios(reml)
    assert _convergence(reml, res)[0] is True and _convergence(reml, res)[3] == []
    bad = SimpleNamespace(x=res.x + np.array([0.5, -0.4]), success=False, message="ABNORMAL_TERMINATION_IN_LNSRCH")
    ok, boundary, free, msgs = _convergence(reml, bad)
    assert (ok, boundary, free.tolist(), len(msgs)) == (False, [], [True, True], 2)
    assert msgs[0] == "ABNORMAL_TERMINATION_IN_LNSRCH" and re.fullmatch(r"REML gradient norm [0-9.e+-]+ > 0\.001 at the optimiser's stop", msgs[1])
    edge = SimpleNamespace(x=np.array([LOG_RATIO_BOUNDS[0], LOG_RATIO_BOUNDS[1]]), success=True, message="")
    ok, boundary, free, msgs = _convergence(reml, edge)
    assert (ok, boundary, free.tolist()) == (False, ["subject"], [False, True])
    assert msgs[-2:] == ["variance ratio at its upper bound exp(8) for image", "boundary (singular) fit: subject variance estimated as 0"]


def test_compare_rt_reports_its_stages(capsys, tmp_path):
    """Progress on stderr: the 7 stages counted from 0 to 7, the last stage named; none with --quiet."""
    from neurogrow.cli import main

    from conftest import CIFAR10H_COUNTS

    np.save(tmp_path / "c.npy", np.load(CIFAR10H_COUNTS)[:40])
    pd.DataFrame({"stimulus": [str(k) for k in range(40)], "model_time": np.random.default_rng(0).gamma(2, 1, 40)}).to_csv(tmp_path / "t.csv", index=False)
    args = ["compare-rt", str(tmp_path / "t.csv"), str(tmp_path / "c.npy"), "--n-boot", "20", "--n-perm", "20", "--n-splits", "4", "--out"]
    assert main([*args, str(tmp_path / "a")]) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("compare-rt:")]
    assert re.fullmatch(r"compare-rt: 0/7 stage \(0%\), [0-9.]+ s, started", lines[0]), lines
    assert re.fullmatch(r"compare-rt: 7/7 stage \(100%\), [0-9.]+ s, mixed model, done", lines[-1]), lines
    assert main(["--quiet", *args, str(tmp_path / "b")]) == 0
    assert "stage" not in capsys.readouterr().err


def test_holm_family_over_several_experiments():
    """One family over the runs: names prefixed by the run, the same record in every summary."""
    from neurogrow.rt.summary import holm_family

    def summary(p_sp, p_mixed, p_base):
        return {"spearman": {"p_permutation": p_sp}, "within_category": {"default": "mean_removed"}, "mixed_model": {"p": p_mixed},
                "baselines": {"conf": {"difference": {"p_bootstrap": p_base}}}}

    one, two = summary(0.01, 0.2, 0.04), summary(0.03, None, 0.5)
    holm_family({"edges": one, "silhouettes": two})
    rec = one["multiple_comparisons"]
    assert two["multiple_comparisons"] is rec
    assert (rec["method"], rec["alpha"], rec["family"]) == ("holm", 0.05, "every test of the 2 experiments of this run (edges, silhouettes)")
    assert [t["name"] for t in rec["tests"]] == [
        "edges: Spearman (permutation)", "edges: within category, mean_removed (permutation)", "edges: mixed model slope (crossed)",
        "edges: E[t] minus conf (bootstrap)", "silhouettes: Spearman (permutation)", "silhouettes: within category, mean_removed (permutation)",
        "silhouettes: mixed model slope (crossed)", "silhouettes: E[t] minus conf (bootstrap)"]
    # 5 p-values: 0.01 x 5, 0.03 x 4, 0.04 x 3, 0.2 x 2, 0.5 x 1 (monotone)
    got = [t["p_holm"] for t in rec["tests"]]
    want = [0.05, None, 0.4, 0.12, 0.12, None, None, 0.5]
    assert [g is None for g in got] == [w is None for w in want]
    assert [g for g in got if g is not None] == pytest.approx([w for w in want if w is not None], rel=1e-12)
    solo = summary(0.01, None, None)
    holm_family({"only": solo})
    assert solo["multiple_comparisons"]["family"] == "every test of this run"
    assert solo["multiple_comparisons"]["tests"][0] == {"name": "Spearman (permutation)", "p": 0.01, "p_holm": 0.01}


def test_options_defaults_are_the_documented_ones():
    """compare-rt's defaults (docs/compare_rt.md): 1,000 bootstrap resamples, 100 splits, 10,000
    permutations, seed 0, E[t], the format's RT unit, no exclusions; the RT rules carry the three."""
    import dataclasses

    assert dataclasses.asdict(Options()) == {
        "measure": None, "correct_only": False, "n_boot": 1000, "n_splits": 100, "n_perm": 10000, "seed": 0, "model_time": "expected_steps",
        "allow_unmatched": False, "mixed_model": True, "stimuli": None, "baselines": (), "progress": None, "rt_unit": None, "rt_max": None, "rt_min": None}
    rules = Options(rt_unit="ms", rt_max=2.0, rt_min=0.1).rt_rules()
    assert (rules.unit, rules.rt_max, rules.rt_min) == ("ms", 2.0, 0.1)
    Options(rt_max=2, rt_min=0.5, stimuli="x", measure="accuracy", model_time="exit_step", rt_unit="s").validate()  # numbers of seconds may be ints


# --- written after the seed-2 draw's first pass, for its survivors (they do not count for that draw)


def test_trial_table_aggregates_each_image_as_its_measure_does():
    """The two-level bootstrap re-aggregates each image's trials: mean of log RT, median RT, mean
    correctness; all subjects' weights 1 give back the per-image measure."""
    from neurogrow.rt.human_measures import trial_table

    human = _trials()
    stims = [f"i{k:02d}.png" for k in range(12)]
    per_image = image_measures(human, stims)
    for measure, agg in (("mean_log_rt", "mean"), ("median_rt", "median"), ("accuracy", "mean")):
        trials = trial_table(human, per_image, measure, Options())
        assert (trials.table.aggregate, trials.n_subjects) == (agg, 3), measure
        assert trials.table.image_measure(np.ones((3, 1)))[:, 0] == pytest.approx(per_image[measure].to_numpy(float)), measure


def test_model_categories_stand_in_when_the_humans_have_none():
    human = _trials()
    bare = HumanData(format=human.format, source=human.source, trials=human.trials.assign(category=None))
    matched = _matched(12).assign(model_category=list("xyz") * 4)
    per_image, _ = per_image_table(matched, bare, "mean_log_rt", Options())
    assert per_image["category"].tolist() == list("xyz") * 4 and "model_category" not in per_image.columns


def test_holm_names_the_summarys_own_within_category_default():
    from neurogrow.rt.summary import family_pvalues

    s = {"spearman": {"p_permutation": 0.1}, "within_category": {"default": "rank_residual", "spearman_partial": {"p_permutation": 0.2}},
         "mixed_model": {"p": None}, "baselines": {}}
    assert family_pvalues(s) == [("Spearman (permutation)", 0.1), ("within category, rank_residual (permutation)", 0.2), ("mixed model slope (crossed)", None)]
