"""benchmarks/mutation.py without mutmut: the sample, its interval, the goal rule and the JSON."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("mutation_bench", ROOT / "benchmarks" / "mutation.py")
assert _spec and _spec.loader
mb = importlib.util.module_from_spec(_spec)
sys.modules["mutation_bench"] = mb
_spec.loader.exec_module(mb)


def test_draw_sample_is_a_seeded_uniform_draw_without_replacement():
    pop = [f"m.x_f__mutmut_{i}" for i in range(50)]
    a = mb.draw_sample(pop, 20, seed=3)
    assert len(a) == len(set(a)) == 20 and set(a) <= set(pop)
    assert mb.draw_sample(list(reversed(pop)), 20, seed=3) == a  # depends on the set, not its order
    assert mb.draw_sample(pop, 20, seed=4) != a
    assert sorted(mb.draw_sample(pop, 50, seed=0)) == sorted(pop)
    # uniform: over many seeds every name is drawn about size/len(pop) of the time
    hits = np.zeros(len(pop))
    for s in range(2000):
        for name in mb.draw_sample(pop, 10, seed=s):
            hits[int(name.rsplit("_", 1)[1])] += 1
    assert np.allclose(hits / 2000, 0.2, atol=0.045)
    for bad in (0, 51):
        with pytest.raises(ValueError, match="expected 1 to 50"):
            mb.draw_sample(pop, bad, seed=0)


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (3, 10), (287, 300), (1, 1)])
def test_clopper_pearson_equals_statsmodels_beta_interval(k, n):
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(k, n, alpha=0.05, method="beta")
    assert mb.clopper_pearson(k, n) == pytest.approx([lo, hi], abs=1e-12)


def test_clopper_pearson_rejects_impossible_counts():
    for k, n in ((1, 0), (-1, 5), (6, 5)):
        with pytest.raises(ValueError):
            mb.clopper_pearson(k, n)


def _exh(score, missing=()):
    return {"score": score, "modules_not_fully_checked": list(missing)}


def test_goal_rule():
    assert mb.goal_met(_exh(0.95), None) is True
    assert mb.goal_met(_exh(0.9), None) is True
    assert mb.goal_met(_exh(0.89), None) is False
    assert mb.goal_met(_exh(0.99, ["neurogrow.rt.report"]), None) is None
    assert mb.goal_met(_exh(None), None) is None
    def est(score, ci):
        return {"score": 0.999, "ci95": [0.99, 1.0], "estimate": {"score": score, "ci95": ci}}

    assert mb.goal_met(_exh(0.99), est(0.95, [0.91, 0.99])) is True
    assert mb.goal_met(_exh(0.99), est(0.95, [0.9, 0.99])) is True
    assert mb.goal_met(_exh(0.99), est(0.95, [0.89, 0.99])) is False  # the lower end decides, not the estimate
    assert mb.goal_met(_exh(0.89), est(0.97, [0.95, 0.99])) is False
    assert mb.goal_met(_exh(0.99), est(None, None)) is None
    # the first pass decides, not the score after reruns against tests written for its survivors
    assert mb.goal_met(_exh(0.99), {"score": 1.0, "ci95": [0.99, 1.0], "estimate": None}) is None


def test_summarise_sampled_and_exhaustive_modules(monkeypatch):
    st = {
        "neurogrow.stats.ranks.x_f__mutmut_1": "killed",
        "neurogrow.stats.ranks.x_f__mutmut_2": "survived",
        "neurogrow.stats.ranks.x_f__mutmut_3": "caught by type check",
        "neurogrow.rt.report.x_g__mutmut_1": "killed",
        "neurogrow.rt.report.x_g__mutmut_2": "survived",
        "neurogrow.rt.report.x_g__mutmut_3": "not checked",
        "neurogrow.rt.figures.x_h__mutmut_1": "timeout",
    }
    monkeypatch.setattr(mb, "statuses", lambda: st)
    monkeypatch.setattr(mb, "change", lambda name: [f"-{name}", "+x"])
    monkeypatch.setattr(mb, "MODULES", ("neurogrow.stats.ranks", "neurogrow.rt.figures", "neurogrow.rt.report"))
    eq = {"neurogrow.stats.ranks.x_f__mutmut_2": "same result"}
    rec = mb.summarise(["neurogrow.stats.ranks"], "cmd", eq)
    r = rec["per_module"]["neurogrow.stats.ranks"]
    assert (r["mutants"], r["checked"], r["detected"], r["equivalent"], r["score"]) == (3, 3, 2, 1, 1.0)
    assert rec["exhaustive"]["modules_not_fully_checked"] == ["neurogrow.rt.figures", "neurogrow.rt.report"]
    assert rec["goal_met"] is None and rec["sample"] is None

    sample = {
        "modules": ["neurogrow.rt.figures", "neurogrow.rt.report"],
        "size": 3,
        "seed": 0,
        "population": 4,
        "drawn": ["neurogrow.rt.report.x_g__mutmut_2", "neurogrow.rt.figures.x_h__mutmut_1", "neurogrow.rt.report.x_g__mutmut_3"],
    }
    rec2 = mb.summarise(sample["modules"], "cmd", eq, rec, sample)
    s = rec2["sample"]
    assert (s["mutants"], s["checked"], s["detected"], s["equivalent"]) == (3, 2, 1, 0)
    assert s["complete"] is False and s["score"] is None and s["ci95"] is None  # 2 of 3 checked: no estimate
    assert rec2["goal_met"] is None
    st["neurogrow.rt.report.x_g__mutmut_3"] = "killed"
    rec3 = mb.summarise(sample["modules"], "cmd", eq, rec, sample)
    s3 = rec3["sample"]
    assert s3["complete"] is True and s3["score"] == pytest.approx(2 / 3, abs=1e-4)
    assert s3["ci95"] == pytest.approx(mb.clopper_pearson(2, 3))
    assert rec3["goal_met"] is False  # lower end of the interval of 2/3 is below 0.9
    assert s["surviving_not_equivalent"] == {"neurogrow.rt.report.x_g__mutmut_2": ["-neurogrow.rt.report.x_g__mutmut_2", "+x"]}
    assert s["per_module"]["neurogrow.rt.report"] == {"drawn": 2, "checked": 1, "detected": 0}
    assert s["status_of_drawn"] == dict(zip(sample["drawn"], ["survived", "timeout", "not checked"]))
    assert rec2["per_module"].keys() == {"neurogrow.stats.ranks"}  # kept from the earlier run
    assert rec2["exhaustive"]["modules_not_fully_checked"] == []

    # an exhaustive run of other modules keeps the sample; one of a sampled module replaces it
    assert mb.summarise(["neurogrow.stats.ranks"], "cmd", eq, rec3)["sample"] == s3
    assert mb.summarise(["neurogrow.rt.report"], "cmd", eq, rec3)["sample"] is None


def test_run_unchecked_runs_only_unchecked_mutants_of_the_modules_in_the_drawn_order(monkeypatch):
    import mutmut.__main__ as mm

    listed = [
        (None, "neurogrow.rt.report.x_g__mutmut_1", None),
        (None, "neurogrow.rt.report.x_g__mutmut_2", 1),  # already has a result
        (None, "neurogrow.rt.report.x_g__mutmut_3", None),
        (None, "neurogrow.stats.ranks.x_f__mutmut_1", None),  # another module
        (None, "neurogrow.rt.figures.x_h__mutmut_1", None),
    ]
    seen = {}

    def fake_cli(args, standalone_mode):
        seen["args"] = args
        seen["todo"] = [t[1] for t in mm.collect_source_file_mutation_data(mutant_names=())[0]]

    monkeypatch.setattr(mm, "collect_source_file_mutation_data", lambda *, mutant_names: (listed, {}))
    monkeypatch.setattr(mm, "cli", fake_cli)
    mods = ["neurogrow.rt.report", "neurogrow.rt.figures"]
    mb._run_unchecked(mods, "2")
    assert seen["args"] == ["run", "--max-children", "2"]
    assert seen["todo"] == ["neurogrow.rt.report.x_g__mutmut_1", "neurogrow.rt.report.x_g__mutmut_3", "neurogrow.rt.figures.x_h__mutmut_1"]
    monkeypatch.setattr(mm, "collect_source_file_mutation_data", lambda *, mutant_names: (listed, {}))
    order = ["neurogrow.rt.figures.x_h__mutmut_1", "neurogrow.rt.report.x_g__mutmut_2", "neurogrow.rt.report.x_g__mutmut_1"]
    monkeypatch.setattr(mm, "estimated_worst_case_time", lambda name: 0.0)
    mb._run_unchecked(mods, "2", order)
    assert seen["todo"] == ["neurogrow.rt.figures.x_h__mutmut_1", "neurogrow.rt.report.x_g__mutmut_1"]
    # mutmut sorts what it runs by its estimated worst-case time: that key must give the drawn order
    assert [mm.estimated_worst_case_time(name) for name in seen["todo"]] == [0, 2]


def test_rerun_names_are_the_survivors_not_judged_equivalent_and_the_uncovered():
    st = {
        "neurogrow.rt.report.x_g__mutmut_1": "survived",
        "neurogrow.rt.report.x_g__mutmut_2": "survived",  # judged equivalent
        "neurogrow.rt.report.x_g__mutmut_3": "no tests",
        "neurogrow.rt.report.x_g__mutmut_4": "killed",
        "neurogrow.rt.report.x_g__mutmut_5": "not checked",
        "neurogrow.stats.ranks.x_f__mutmut_1": "survived",  # another module
    }
    eq = {"neurogrow.rt.report.x_g__mutmut_2": "why"}
    assert mb.rerun_names(st, ["neurogrow.rt.report"], eq) == ["neurogrow.rt.report.x_g__mutmut_1", "neurogrow.rt.report.x_g__mutmut_3"]
    assert mb.rerun_names(st, ["neurogrow.rt.report"], eq, drawn=["neurogrow.rt.report.x_g__mutmut_3"]) == ["neurogrow.rt.report.x_g__mutmut_3"]


def test_rerun_skips_mypy_and_runs_the_named_mutants(monkeypatch):
    """A rerun runs only the named mutants, and does not run mypy's pre-filter again (a survivor
    has passed it): the pre-filter is replaced by one that catches nothing."""
    import mutmut.__main__ as mm

    seen = {}

    def fake_cli(args, standalone_mode):
        seen["args"] = args
        seen["caught"] = mm.filter_mutants_with_type_checker()

    monkeypatch.setattr(mm, "cli", fake_cli)
    monkeypatch.setattr(mm, "filter_mutants_with_type_checker", lambda: pytest.fail("mypy ran"))
    mb._rerun(["a.x_f__mutmut_1", "a.x_f__mutmut_2"], "2")
    assert seen == {"args": ["run", "--max-children", "2", "a.x_f__mutmut_1", "a.x_f__mutmut_2"], "caught": {}}


def test_a_run_keeps_the_records_another_run_wrote_while_it_ran(monkeypatch, tmp_path):
    """The two groups run side by side (from two clones) into one JSON: a run merges its records
    with the file as it is when the run ends, not as it was when it started (planted: the file read
    at the start -> the other group's newer record is overwritten with its older one)."""
    st = {"neurogrow.stats.ranks.x_f__mutmut_1": "killed", "neurogrow.rt.report.x_g__mutmut_1": "killed"}
    monkeypatch.setattr(mb, "statuses", lambda: st)
    monkeypatch.setattr(mb, "change", lambda name: [])
    monkeypatch.setattr(mb, "_source_commit", lambda modules: "c")
    monkeypatch.setattr(mb, "_selection", lambda: ["t.py"])
    monkeypatch.setattr(mb, "_equivalent", lambda: {})
    monkeypatch.setattr(mb, "MODULES", ("neurogrow.stats.ranks", "neurogrow.rt.report"))
    out = tmp_path / "mutation.json"
    out.write_text(json.dumps(mb.summarise(["neurogrow.stats.ranks"], "old", {})))
    newer = mb.summarise(["neurogrow.stats.ranks"], "newer", {})

    def other_run_meanwhile(*args, **kwargs):
        out.write_text(json.dumps(newer))

    monkeypatch.setattr(mb, "_in_child", other_run_meanwhile)
    assert mb.main(["--modules", "neurogrow.rt.report", "--out", str(out)]) == 0
    rec = json.loads(out.read_text())
    assert rec["per_module"]["neurogrow.stats.ranks"]["command"] == "newer"
    assert rec["per_module"]["neurogrow.rt.report"]["checked"] == 1


def test_the_estimate_is_the_first_pass_and_a_new_draw_keeps_the_old_record(monkeypatch):
    """A sample's estimate is frozen when its first pass ends: a rerun after tests written for its
    survivors changes the current counts, not the estimate (planted: estimate from the current
    statuses -> fails). A judgement of equivalence made later does count. A new draw keeps the old
    draw's record under earlier_samples."""
    st = {"neurogrow.rt.report.x_g__mutmut_1": "killed", "neurogrow.rt.report.x_g__mutmut_2": "survived",
          "neurogrow.rt.report.x_g__mutmut_3": "survived", "neurogrow.rt.report.x_g__mutmut_4": "not checked"}
    monkeypatch.setattr(mb, "statuses", lambda: st)
    monkeypatch.setattr(mb, "change", lambda name: [])
    monkeypatch.setattr(mb, "MODULES", ("neurogrow.rt.report",))
    sample = {"modules": ["neurogrow.rt.report"], "size": 4, "seed": 0, "population": 4, "drawn": sorted(st)}
    r1 = mb.summarise(sample["modules"], "first", {}, None, sample)
    assert r1["sample"]["estimate"] is None and r1["sample"]["status_at_first_pass"] is None  # not yet complete
    st["neurogrow.rt.report.x_g__mutmut_4"] = "caught by type check"
    r2 = mb.summarise(sample["modules"], "first", {}, r1, sample)
    assert r2["sample"]["estimate"] == {"checked": 4, "detected": 2, "equivalent": 0, "score": 0.5, "ci95": mb.clopper_pearson(2, 4)}
    assert r2["sample"]["first_pass_command"] == "first"
    st["neurogrow.rt.report.x_g__mutmut_2"] = "killed"  # a rerun after a test written for it
    eq = {"neurogrow.rt.report.x_g__mutmut_3": "same result"}
    r3 = mb.summarise(sample["modules"], "rerun", eq, r2, sample)
    assert r3["sample"]["score"] == 1.0
    assert r3["sample"]["estimate"] == {"checked": 4, "detected": 2, "equivalent": 1, "score": round(2 / 3, 4), "ci95": mb.clopper_pearson(2, 3)}
    assert r3["sample"]["first_pass_command"] == "first" and r3["earlier_samples"] == []
    new = {**sample, "seed": 1, "drawn": sorted(st, reverse=True)}
    r4 = mb.summarise(sample["modules"], "new draw", eq, r3, new)
    assert r4["earlier_samples"] == [r3["sample"]] and r4["sample"]["seed"] == 1
    assert r4["sample"]["first_pass_command"] == "new draw"  # this draw's own first pass
