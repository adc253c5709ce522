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
