"""The verdict rule engine: CIs of differences decide, never orderings of point estimates."""
import numpy as np
import pytest

from neurogrow.stats.verdict import (
    Comparison,
    Precondition,
    Rule,
    bootstrap_comparison,
    holm,
    paired_t_comparison,
    trend_comparison,
)

RULE = Rule("test", "test rule")


def test_holm_matches_definition():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    assert np.allclose(holm(p), [0.03, 0.06, 0.06, 0.02])
    assert holm([]).size == 0
    assert np.all(holm([0.9, 0.8]) <= 1)


def test_ordered_point_estimates_with_overlapping_cis_are_not_reproduced():
    # finding 2's committed mean steps per seed: 1.0068 < 1.0075 < 1.0082, CIs overlapping
    rng = np.random.default_rng(0)
    x = np.repeat([2, 5, 10], 3)
    y = np.concatenate([m + rng.normal(0, 0.012, 3) for m in (1.0068, 1.0075, 1.0082)])
    means = [y[x == k].mean() for k in (2, 5, 10)]
    y = y - np.repeat(means, 3) + np.repeat([1.0068, 1.0075, 1.0082], 3)  # exact ordered means
    trend = trend_comparison("steps vs classes", x, y)
    assert trend.estimate > 0
    out = RULE.decide([trend])
    assert out["verdict"] == "inconclusive"
    pairs = [paired_t_comparison(f"{b}-{a}", y[x == b] - y[x == a]) for a, b in ((2, 5), (5, 10))]
    assert all(c.estimate > 0 for c in pairs)
    assert RULE.decide(pairs)["verdict"] != "reproduced"


def test_clear_effect_is_reproduced_and_opposite_is_not_reproduced():
    up = paired_t_comparison("up", [0.9, 1.1, 1.0, 1.05])
    assert RULE.decide([up])["verdict"] == "reproduced"
    down = paired_t_comparison("down", [-0.9, -1.1, -1.0, -1.05])
    out = RULE.decide([up, down])
    assert out["verdict"] == "not reproduced"
    assert "down" in out["reason"]
    # the claim predicts a decrease: direction -1
    assert RULE.decide([paired_t_comparison("fewer", [-0.9, -1.1, -1.0], direction=-1)])["verdict"] == "reproduced"


def test_failed_precondition_makes_it_inconclusive_with_reason():
    up = paired_t_comparison("up", [0.9, 1.1, 1.0, 1.05])
    out = RULE.decide([up], [Precondition("accuracy floor", False, "accuracy 0.30 < 0.70"), Precondition("ok", True, "")])
    assert out["verdict"] == "inconclusive"
    assert "accuracy 0.30 < 0.70" in out["reason"]
    assert out["rule"]["text"] == "test rule"


def test_holm_turns_a_marginal_comparison_inconclusive():
    # p = 0.03 alone supports; with four comparisons in the family Holm lifts it above 0.05
    marginal = Comparison("marginal", 0.2, (0.01, 0.4), p=0.03)
    assert RULE.decide([marginal])["verdict"] == "reproduced"
    family = [Comparison(f"other{i}", 0.2, (0.01, 0.4), p=0.03) for i in range(3)]
    out = RULE.decide([marginal], family=family)
    assert out["verdict"] == "inconclusive"
    assert out["comparisons"][0]["p_holm"] == pytest.approx(0.12)


def test_bootstrap_comparison_and_missing_comparisons():
    rng = np.random.default_rng(1)
    c = bootstrap_comparison("b", 0.5, rng.normal(0.5, 0.1, 2000))
    assert c.ci95[0] > 0.25 and c.ci95[1] < 0.75 and c.p < 1e-4
    null = bootstrap_comparison("n", 0.01, rng.normal(0.01, 0.1, 2000))
    assert null.ci95[0] < 0 < null.ci95[1]
    assert RULE.decide([c, null])["verdict"] == "inconclusive"
    rule = Rule("r", "needs x", comparisons_required=["x"])
    out = rule.decide([c])
    assert out["verdict"] == "inconclusive" and "not available" in out["reason"]


def test_single_seed_gives_no_interval():
    c = paired_t_comparison("one seed", [3.0])
    assert not c.ci_supports()
    assert RULE.decide([c])["verdict"] == "inconclusive"


def test_any_mode_and_combine():
    from neurogrow.stats.verdict import combine

    up = paired_t_comparison("up", [0.9, 1.1, 1.0, 1.05])
    flat = paired_t_comparison("flat", [0.1, -0.1, 0.05, -0.02])
    anyrule = Rule("any", "one of them", mode="any")
    assert anyrule.decide([up, flat])["verdict"] == "reproduced"
    assert Rule("all", "both").decide([up, flat])["verdict"] == "inconclusive"
    down = paired_t_comparison("down", [-0.9, -1.1, -1.0, -1.05])
    assert anyrule.decide([down, flat])["verdict"] == "inconclusive"
    assert anyrule.decide([down])["verdict"] == "not reproduced"
    a = {"verdict": "reproduced", "reason": "x"}
    b = {"verdict": "inconclusive", "reason": "accuracy 0.30 < 0.70"}
    c = {"verdict": "not reproduced", "reason": "down"}
    assert combine({"a": a})["verdict"] == "reproduced"
    assert combine({"a": a, "b": b})["verdict"] == "inconclusive" and "0.70" in combine({"a": a, "b": b})["reason"]
    assert combine({"a": a, "b": b, "c": c})["verdict"] == "not reproduced"


# --------------------------------------------------------------------------- degenerate inputs never decide


def test_identical_differences_are_not_certainty():
    """Three seeds that each moved by exactly one unit: exact sign-flip p 0.25, no finite CI.

    Planted bug (the old code): CI (1, 1) and p 0 -> "reproduced", while [1, 1, 2] (a larger
    effect) stayed inconclusive. Now both are inconclusive, and only n >= 6 identical moves count.
    """
    rule = Rule("r", "x")
    for d in ([1, 1, 1], [1, 1, 2], [-0.5, -0.5]):
        c = paired_t_comparison("x", d)
        assert rule.decide([c])["verdict"] == "inconclusive", d
    c3 = paired_t_comparison("x", [1, 1, 1])
    assert c3.p == pytest.approx(0.25) and not np.isfinite(c3.ci95[0])
    c6 = paired_t_comparison("x", [1] * 6)
    assert c6.p == pytest.approx(2 * 0.5**6) and c6.ci95 == (1.0, 1.0)
    assert rule.decide([c6])["verdict"] == "reproduced"


def test_exact_trend_fit_and_flat_bootstrap_give_no_test():
    t = trend_comparison("t", [1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4])
    assert t.p == 1.0 and not np.isfinite(t.ci95[0]) and t.estimate == pytest.approx(1.0)
    b = bootstrap_comparison("b", 0.3, np.full(100, 0.3))
    assert b.p == 1.0 and not np.isfinite(b.ci95[0])
    assert Rule("r", "x").decide([t, b])["verdict"] == "inconclusive"


def test_holm_counts_a_nan_p_as_one():
    adj = holm([0.01, float("nan"), 0.02])
    assert adj.tolist() == pytest.approx([0.03, 1.0, 0.04])
    rule = Rule("r", "x")
    out = rule.decide([Comparison("a", 1.0, (0.5, 1.5), float("nan"))])
    assert out["verdict"] == "inconclusive"


def test_union_rule_needs_p_values():
    with pytest.raises(ValueError, match="mode 'any'"):
        Rule("u", "x", mode="any").decide([Comparison("a", 1.0, (0.5, 1.5), None)])


# --- exact values of each comparison against scipy, and every edge case (mutation testing) -------
from scipy import stats as sps  # noqa: E402

from neurogrow.stats.verdict import combine  # noqa: E402


@pytest.mark.parametrize("n", [2, 3, 7])
def test_paired_t_comparison_is_scipys_one_sample_t(n):
    d = np.random.default_rng(n).normal(0.3, 1.0, n)
    c = paired_t_comparison("d", list(d), direction=-1, margin=0.1)
    ref = sps.ttest_1samp(d, 0.0)
    ci = ref.confidence_interval(0.95)
    assert c.estimate == pytest.approx(d.mean(), abs=1e-12) and c.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert c.ci95 == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert (c.name, c.direction, c.margin, c.detail) == ("d", -1, 0.1, f"paired t, n={n}")
    assert paired_t_comparison("d", d, detail="seeds").detail == "seeds"


def test_paired_t_comparison_without_a_t_test():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" warning
        empty = paired_t_comparison("e", [])
    assert np.isnan(empty.estimate) and empty.ci95 == (-np.inf, np.inf) and empty.p == 1.0 and empty.detail == "n=0: no interval"
    one = paired_t_comparison("o", [0.7], detail="x")
    assert (one.estimate, one.ci95, one.p, one.detail) == (0.7, (-np.inf, np.inf), 1.0, "x")
    assert paired_t_comparison("o", [0.7]).detail == "n=1: no interval"
    # identical differences: the exact sign-flip test, p = 2 * 0.5**n; a CI only once p < 0.05 (n >= 6)
    five = paired_t_comparison("f", [1, 1, 1, 1, 1])
    assert (five.estimate, five.ci95, five.p) == (1.0, (-np.inf, np.inf), 0.0625) and not five.ci_supports()
    assert five.detail == "n=5, identical differences: exact sign-flip test"
    six = paired_t_comparison("s", [-2.0] * 6, detail="y")
    assert (six.ci95, six.p, six.detail) == ((-2.0, -2.0), 0.03125, "y")
    assert paired_t_comparison("t", [3.0, 3.0]).p == 0.5
    zeros = paired_t_comparison("z", [0.0] * 6)
    assert (zeros.estimate, zeros.p, zeros.ci95) == (0.0, 1.0, (0.0, 0.0))
    assert paired_t_comparison("z", [0.0] * 3).p == 1.0


def test_trend_comparison_is_ols_with_a_t_interval():
    for n in (3, 8):
        x = np.arange(n, dtype=float)
        y = 0.5 * x + np.random.default_rng(n).normal(0, 0.3, n)
        c = trend_comparison("t", list(x), list(y), direction=-1, margin=0.2)
        ref = sps.linregress(x, y)
        h = sps.t.ppf(0.975, n - 2) * ref.stderr
        assert c.estimate == pytest.approx(ref.slope, rel=1e-12) and c.p == pytest.approx(ref.pvalue, rel=1e-12)
        assert c.ci95 == pytest.approx((ref.slope - h, ref.slope + h), rel=1e-12)
        assert (c.direction, c.margin, c.detail) == (-1, 0.2, f"OLS slope, n={n}")
    assert trend_comparison("t", [1, 2, 4], [1, 0, 2], detail="levels").detail == "levels"


def test_trend_comparison_without_a_test():
    for x, y, detail in (([1, 2], [3, 4], "n=2: no trend test"), ([2, 2, 2], [1, 2, 3], "n=3: no trend test")):
        c = trend_comparison("t", x, y, detail="ignored")
        assert np.isnan(c.estimate) and (c.ci95, c.p, c.detail) == ((-np.inf, np.inf), 1.0, detail)
    exact = trend_comparison("t", [1, 2, 3, 4], [2, 4, 6, 8])
    assert (exact.estimate, exact.ci95, exact.p, exact.detail) == (2.0, (-np.inf, np.inf), 1.0, "exact fit: no test")
    assert not exact.ci_supports()
    flat = trend_comparison("t", [1, 2, 3, 4], [5, 5, 5, 5])
    assert (flat.estimate, flat.p, flat.detail) == (0.0, 1.0, "no variation: no test")
    assert trend_comparison("t", [1, 2, 3], [5, 5, 5], detail="d").detail == "d"


def test_bootstrap_comparison_is_a_percentile_ci_with_a_wald_p():
    boot = np.random.default_rng(0).normal(0.2, 0.1, 500)
    c = bootstrap_comparison("b", 0.21, list(boot) + [np.nan], direction=-1, margin=0.05)
    assert c.ci95 == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])), rel=1e-12)
    assert c.p == pytest.approx(2 * sps.norm.sf(0.21 / boot.std(ddof=1)), rel=1e-12)
    assert (c.estimate, c.direction, c.margin, c.detail) == (0.21, -1, 0.05, "bootstrap, 500 resamples")
    assert bootstrap_comparison("b", 0.21, boot, detail="d").detail == "d"
    two = bootstrap_comparison("b", 1.0, [0.5, 1.5])
    assert two.ci95 == pytest.approx((0.525, 1.475)) and two.p == pytest.approx(2 * sps.norm.sf(1.0 / np.std([0.5, 1.5], ddof=1)))
    import warnings

    for b in ([0.3], [0.3, 0.3, np.nan]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # one resample has no SD: no test, and no numpy warning
            flat = bootstrap_comparison("b", 0.3, b)
        assert (flat.ci95, flat.p) == ((-np.inf, np.inf), 1.0) and not flat.ci_supports()
        assert flat.detail == f"bootstrap, {len(b) - (len(b) == 3)} finite resamples without spread: no test"
    assert bootstrap_comparison("b", 0.3, [0.3], detail="d").detail == "d"


def test_comparison_sides_and_boundaries():
    with pytest.raises(ValueError, match=r"^comparison c: direction 0; expected \+1 or -1$"):
        Comparison("c", 0.0, (0.0, 1.0), direction=0)
    with pytest.raises(ValueError, match=r"^comparison c: CI \[2.0, 1.0\] is not ordered$"):
        Comparison("c", 0.0, (2, 1))
    down = Comparison("c", -2.0, (-3.0, -1.0), direction=-1)
    assert down.ci_supports() and not down.ci_contradicts()
    assert Comparison("c", 2.0, (1.0, 3.0), direction=-1).ci_contradicts()
    assert not Comparison("c", 1.0, (0.0, 2.0)).ci_supports()  # a CI that touches 0 does not support
    assert not Comparison("c", 0.0, (-1.0, 0.2), margin=0.2).ci_contradicts()  # touching the margin does not contradict
    assert Comparison("c", 0.0, (-1.0, 0.19), margin=0.2).ci_contradicts()


def test_holm_treats_a_missing_p_as_one():
    assert holm([0.01, None, 0.04]).tolist() == pytest.approx([0.03, 1.0, 0.08])
    assert holm([0.2]).tolist() == [0.2]


def test_rule_decide_records_everything_exactly():
    rule = Rule("r", "the claim", alpha=0.05, comparisons_required=["a"])
    fam = [Comparison("other", 0.1, (0.0, 0.2), p=0.5), Comparison("nop", 0.1, (0.0, 0.2))]
    out = rule.decide([Comparison("a", 1.0, (0.5, np.inf), p=0.01, detail="x")], [Precondition("pre", True, "ok")], family=fam)
    assert out == {
        "rule": {
            "name": "r", "text": "the claim", "alpha": 0.05, "mode": "all", "holm_family_size": 2,
            "decision": "precondition failed -> inconclusive; else Holm across the comparisons with a p-value; "
            "each comparison supports when its 95% CI lies on the claimed side of 0 and its Holm p < alpha, "
            "contradicts when its CI lies below the smallest effect of interest (margin); all support -> "
            "reproduced; any contradicts -> not reproduced; else inconclusive",
        },
        "preconditions": [{"name": "pre", "passed": True, "detail": "ok"}],
        "comparisons": [{"name": "a", "estimate": 1.0, "ci95": [0.5, None], "p": 0.01, "direction": 1, "margin": 0.0,
                         "detail": "x", "p_holm": 0.02, "supports": True, "contradicts": False}],
        "verdict": "reproduced", "reason": "all 1 comparisons support the claim (Holm, alpha 0.05)",
    }


def test_rule_decide_reasons():
    rule = Rule("r", "t")
    yes, no, weak = Comparison("y", 1.0, (0.5, 1.5), p=0.001), Comparison("n", -1.0, (-1.5, -0.5)), Comparison("w", 0.1, (-0.5, 0.7))
    assert rule.decide([yes, no, weak])["reason"] == "CI excludes the claimed effect: n"
    assert rule.decide([yes, weak, Comparison("v", 0.0, (-1, 1))])["reason"] == "CI includes 0 (after Holm) for: w, v"
    assert (rule.decide([])["verdict"], rule.decide([])["reason"]) == ("inconclusive", "no comparisons")
    assert rule.decide([yes, no, Comparison("m", -2.0, (-3, -1))])["reason"] == "CI excludes the claimed effect: n, m"
    assert Rule("r", "t", comparisons_required=["q", "z"]).decide([yes])["reason"] == "comparisons not available: q, z"
    failed = rule.decide([yes], [Precondition("acc", False, "too low"), Precondition("ok", True, "-"), Precondition("sd", False, "flat")])
    assert (failed["verdict"], failed["reason"]) == ("inconclusive", "acc: too low; sd: flat")
    with pytest.raises(ValueError, match=r"^rule r: duplicate comparison names \['y', 'y'\]$"):
        rule.decide([yes, yes])
    at_alpha = rule.decide([Comparison("e", 1.0, (0.5, 1.5), p=0.05)])  # Holm p equal to alpha does not support
    assert at_alpha["verdict"] == "inconclusive" and at_alpha["comparisons"][0]["p_holm"] == 0.05
    anyr = Rule("r", "t", mode="any")
    p_yes, p_no = Comparison("y", 1.0, (0.5, 1.5), p=0.001), Comparison("n", -1.0, (-1.5, -0.5), p=0.001)
    assert anyr.decide([p_yes, p_no])["reason"] == "supported (Holm, alpha 0.05) by: y"
    assert anyr.decide([p_yes, Comparison("y2", 1.0, (0.5, 1.5), p=0.001)])["reason"] == "supported (Holm, alpha 0.05) by: y, y2"
    assert anyr.decide([p_no])["reason"] == "every comparison's CI excludes the claimed effect"
    assert anyr.decide([p_no])["verdict"] == "not reproduced"


def test_combine_exactly():
    r = {"verdict": "reproduced", "reason": "fine"}
    n1 = {"verdict": "not reproduced", "reason": "a; b"}
    n2 = {"verdict": "not reproduced", "reason": "b; c"}
    i = {"verdict": "inconclusive", "reason": "d; a"}
    rule = "all claims reproduced -> reproduced; any not reproduced -> not reproduced; else inconclusive"
    assert combine({"x": r, "y": r}) == {"verdict": "reproduced", "reason": "every claim reproduced", "claims": {"x": "reproduced", "y": "reproduced"}, "rule": rule}
    assert combine({"x": n1, "y": i, "z": n2})["reason"] == "a; b; c"
    assert combine({"x": r, "y": i, "z": {"verdict": "inconclusive", "reason": "a"}}) == {
        "verdict": "inconclusive", "reason": "d; a", "claims": {"x": "reproduced", "y": "inconclusive", "z": "inconclusive"}, "rule": rule}
    assert combine({})["reason"] == "no claims" and combine({})["verdict"] == "inconclusive"
