"""compare-rt's statistics at the places where a plausible bug leaves every other test green (issue 29).

Each test names the bug it was checked against: the bug was planted, the test failed, the code
was restored.  They test the statistic *inside* the resamples (not only the point estimate), the
use of Holm in the summary (not only the function), the CI level, the centring inside resamples,
the mixed model's response and the baselines' definitions.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from neurogrow.human import HumanData
from neurogrow.rt import Options, analyse
from neurogrow.rt.analysis import RNG_NAMES
from neurogrow.stats import TrialTable, image_bootstrap, multinomial_counts, percentile_ci, two_level_bootstrap
from neurogrow.stats.bootstrap import centred_resamples

# --------------------------------------------------------------------------- synthetic experiments


def human_data(log_rt: np.ndarray, categories=None, keep: np.ndarray | None = None) -> HumanData:
    """(images, subjects) log RTs (NaN or ``keep`` False: not seen) -> per-trial HumanData."""
    n, s = log_rt.shape
    img, subj = np.repeat(np.arange(n), s), np.tile(np.arange(s), n)
    ok = np.isfinite(log_rt.ravel()) & (keep.ravel() if keep is not None else True)
    t = pd.DataFrame({"subject": [f"s{j}" for j in subj[ok]], "stimulus": [f"im{i:04d}.png" for i in img[ok]], "rt": np.exp(log_rt.ravel()[ok])})
    t["responded"] = True
    t["correct"] = pd.array([pd.NA] * len(t), dtype="boolean")
    t["category"] = np.asarray(categories, dtype=object)[img[ok]] if categories is not None else None
    return HumanData(format="long_csv", source="synthetic", trials=t[["subject", "stimulus", "rt", "responded", "correct", "category"]])


def model_times(x: np.ndarray, **baselines) -> pd.DataFrame:
    x = np.asarray(x, dtype=float)
    out = pd.DataFrame({"stimulus": [f"im{i:04d}.png" for i in range(len(x))], "model_time": x - x.min() + 1.0})
    for name, z in baselines.items():
        out[f"baseline:{name}"] = z
    return out


def rngs(seed: int = 0) -> dict:
    """The generators :func:`neurogrow.rt.analyse` spawns from ``Options.seed``."""
    return dict(zip(RNG_NAMES, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(RNG_NAMES)))))


def _skewed(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x, y whose Pearson and Spearman correlations differ widely (heavy-tailed x)."""
    rng = np.random.default_rng(seed)
    d = rng.normal(size=n)
    x = np.exp(3.0 * d)  # monotone in d, heavy right tail
    y = d + rng.normal(0, 0.7, n)
    return x, y


def _expanded(w_row: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(w_row.size), w_row.astype(int))


# --------------------------------------------------------------------------- the statistic inside resamples


def test_image_resamples_are_spearman_and_pearson_of_the_expanded_resample():
    # planted: rt/resampling.py computing the "spearman" rows as Pearson of the raw values -> fails
    from neurogrow.rt.resampling import image_resamples

    x, y = _skewed(60, 1)
    z = y + np.random.default_rng(2).normal(0, 2, 60)
    assert abs(sps.spearmanr(x, y)[0] - sps.pearsonr(x, y)[0]) > 0.2
    out = image_resamples(x, y, {"z": z}, 20, np.random.default_rng(5))
    w = multinomial_counts(np.random.default_rng(5), 20, 60)  # the same draws
    for b in range(20):
        i = _expanded(w[b])
        assert out["spearman"][b] == pytest.approx(sps.spearmanr(x[i], y[i])[0], abs=1e-10)
        assert out["pearson"][b] == pytest.approx(sps.pearsonr(x[i], y[i])[0], abs=1e-10)
        assert out["z/spearman"][b] == pytest.approx(sps.spearmanr(z[i], y[i])[0], abs=1e-10)
        assert out["z/difference"][b] == pytest.approx(sps.spearmanr(x[i], y[i])[0] - sps.spearmanr(z[i], y[i])[0], abs=1e-10)


def test_two_level_resamples_recompute_the_measure_from_the_drawn_subjects():
    # planted: the "spearman" rows as Pearson of raw values (rt/resampling.py) -> fails;
    # within-category rows without the category means removed (stats/partial.py) -> fails
    from neurogrow.rt.resampling import two_level_resamples
    from neurogrow.stats.partial import partial_spearman

    rng = np.random.default_rng(3)
    n, s = 48, 5
    cats = np.repeat(np.arange(4), 12)
    shift = rng.normal(0, 2.0, 4)[cats]
    d = rng.normal(size=n)
    x = np.exp(2.0 * d) + 5 * shift  # model time: category and a skewed image effect
    per_trial = 0.5 * d[:, None] + shift[:, None] + rng.normal(0, 0.5, (n, s))
    img, subj = np.repeat(np.arange(n), s), np.tile(np.arange(s), n)
    table = TrialTable(img, subj, per_trial.ravel(), n, s)
    y = table.image_measure()
    trials = SimpleNamespace(table=table, n_subjects=s)
    out = two_level_resamples(x, y, trials, {}, cats, 12, np.random.default_rng(7))
    g = np.random.default_rng(7)
    v, w = multinomial_counts(g, 12, s), multinomial_counts(g, 12, n)  # the same draws, in their order
    for b in range(12):
        yb = table.image_measure(v[b])[:, 0]
        i = _expanded(w[b])
        assert out["spearman"][b] == pytest.approx(sps.spearmanr(x[i], yb[i])[0], abs=1e-10)
        assert out["pearson"][b] == pytest.approx(sps.pearsonr(x[i], yb[i])[0], abs=1e-10)
        assert out["within/mean_removed"][b] == pytest.approx(partial_spearman(x[i], yb[i], cats[i]), abs=1e-10)


def test_within_rows_remove_the_category_means_of_each_resample():
    # planted: within_rows (stats/partial.py) without residualize -> fails
    from neurogrow.stats.partial import bootstrap_partial, partial_spearman, partial_spearman_rank, within_rows

    rng = np.random.default_rng(4)
    cats = np.repeat(np.arange(5), 10)
    shift = rng.normal(0, 3, 5)[cats]
    x, y = shift + rng.normal(size=50), shift + rng.normal(size=50)
    w = multinomial_counts(rng, 10, 50)
    mr, rr = within_rows(x, y, cats, w, "mean_removed"), within_rows(x, y, cats, w, "rank_residual")
    boot = bootstrap_partial(x, y, cats, 10, np.random.default_rng(8))
    wb = multinomial_counts(np.random.default_rng(8), 10, 50)
    for b in range(10):
        i = _expanded(w[b])
        assert mr[b] == pytest.approx(partial_spearman(x[i], y[i], cats[i]), abs=1e-10)
        assert rr[b] == pytest.approx(partial_spearman_rank(x[i], y[i], cats[i]), abs=1e-10)
        j = _expanded(wb[b])
        assert boot[b] == pytest.approx(partial_spearman(x[j], y[j], cats[j]), abs=1e-10)


def test_within_category_intervals_do_not_carry_the_between_category_effect():
    # planted: uncentred within-category resamples -> the within CIs become the overall one (far above 0) -> fails
    rng = np.random.default_rng(11)
    cats = np.repeat(np.arange(8), 15)
    effect = rng.normal(0, 1.0, 8)[cats]
    x = effect + rng.normal(0, 0.05, cats.size)
    log_rt = 0.3 * effect[:, None] + rng.normal(0, 0.2, (cats.size, 6))
    s = analyse(model_times(x), human_data(log_rt, [f"c{c}" for c in cats]), Options(n_boot=200, n_perm=0, mixed_model=False, progress=False)).summary
    assert s["spearman"]["ci95"][0] > 0.5 and s["spearman"]["ci95_two_level"][0] > 0.5
    for m in ("mean_removed", "rank_residual"):
        p = s["within_category"][m]["spearman_partial"]
        for key in ("ci95", "ci95_two_level"):
            lo, hi = p[key]
            assert lo < 0.25 and hi > -0.25 and hi - lo < 0.8, (m, key, p[key])


# --------------------------------------------------------------------------- permutation test and Holm in the summary


def test_permutation_p_is_that_of_spearman():
    # planted: rt/analysis.py permuting for Pearson -> fails
    from neurogrow.stats import permutation_pvalue

    x, y = _skewed(40, 6)
    y = y + np.random.default_rng(0).normal(0, 2.0, 40)
    opts = Options(n_boot=20, n_perm=400, mixed_model=False, progress=False, seed=3)
    log_rt = np.column_stack([y, y + 0.01])
    s = analyse(model_times(x), human_data(log_rt), opts).summary
    yy = log_rt.mean(1)
    expected = permutation_pvalue(x - x.min() + 1.0, yy, 400, rngs(3)["perm"], "spearman")
    other = permutation_pvalue(x - x.min() + 1.0, yy, 400, rngs(3)["perm"], "pearson")
    assert expected != other
    assert s["spearman"]["p_permutation"] == pytest.approx(expected, abs=1e-12)


def test_summary_p_values_are_holm_adjusted():
    # planted: holm_family not called in analyse (or p_holm = p) -> fails
    from neurogrow.stats.paired import holm

    rng = np.random.default_rng(12)
    n, s = 60, 4
    d = rng.normal(size=n)
    log_rt = 0.4 * d[:, None] + rng.normal(0, 0.3, (n, s))
    times = model_times(d + rng.normal(0, 0.5, n), a=rng.normal(size=n), b=d + rng.normal(0, 1, n))
    summ = analyse(times, human_data(log_rt), Options(n_boot=100, n_perm=200, progress=False)).summary
    tests = summ["multiple_comparisons"]["tests"]
    assert summ["multiple_comparisons"]["method"] == "holm" and len(tests) == 5
    ps = [t["p"] for t in tests]
    assert [t["p_holm"] for t in tests] == pytest.approx(holm(ps))
    smallest = int(np.nanargmin(np.array([np.nan if p is None else p for p in ps], dtype=float)))
    assert tests[smallest]["p_holm"] == pytest.approx(min(1.0, 5 * ps[smallest]))  # m times the smallest p


# --------------------------------------------------------------------------- CI levels


def test_percentile_ci_is_the_central_95_percent():
    # planted: quantiles [0.05, 0.95] in stats/bootstrap.py -> fails
    s = np.arange(1001, dtype=float)
    assert percentile_ci(s) == pytest.approx([25.0, 975.0])
    assert percentile_ci(s, 0.9) == pytest.approx([50.0, 950.0])
    assert percentile_ci(np.r_[s, np.nan, np.inf]) == pytest.approx([25.0, 975.0])
    assert percentile_ci(np.array([np.nan])) == [None, None]
    assert percentile_ci([0.0, None, 1.0]) == pytest.approx([0.025, 0.975])  # None is a missing value


def test_bootstraps_in_chunks_fill_every_row_with_full_resamples():
    # mutation testing: a chunk's rows or sizes computed wrongly (stop + start, slice(None, stop)) -> fails
    seen = []

    def stat2(v, w):
        seen.append((v.sum(1), w.sum(1)))
        return v[:, 0] * 100 + w[:, 0]

    out = two_level_bootstrap(stat2, 4, 9, 10, np.random.default_rng(0), chunk=3)
    g = np.random.default_rng(0)
    expected = []
    for rows in (3, 3, 3, 1):
        v, w = multinomial_counts(g, rows, 4), multinomial_counts(g, rows, 9)
        expected += list(v[:, 0] * 100 + w[:, 0])
    np.testing.assert_array_equal(out, expected)
    assert [len(v) for v, _ in seen] == [3, 3, 3, 1] and all((v == 4).all() and (w == 9).all() for v, w in seen)
    one = image_bootstrap(lambda w: {"a": w[:, 0], "b": w.sum(1)}, 9, 7, np.random.default_rng(1), chunk=2)
    g = np.random.default_rng(1)
    np.testing.assert_array_equal(one["a"], np.concatenate([multinomial_counts(g, r, 9)[:, 0] for r in (2, 2, 2, 1)]))
    np.testing.assert_array_equal(one["b"], 9.0)
    assert out.dtype == float and one["a"].dtype == float
    counts = multinomial_counts(np.random.default_rng(2), 3000, 3)
    assert counts.dtype == float and np.allclose(counts.mean(0), 1.0, atol=0.05)  # every item drawn, item 0 too


def test_centred_resamples():
    s = np.array([0.1, 0.2, 0.3, np.nan, 0.5])
    c = centred_resamples(s, 0.4)
    assert np.isnan(c[3]) and np.nanmedian(np.arctanh(c)) == pytest.approx(np.arctanh(0.4))
    assert np.argsort(c[[0, 1, 2, 4]]).tolist() == [0, 1, 2, 3]  # order kept
    d = centred_resamples(s, 0.4, fisher=False)
    np.testing.assert_allclose(d[[0, 1, 2, 4]], s[[0, 1, 2, 4]] + 0.15)
    assert np.all(np.abs(centred_resamples(np.array([0.9, 0.99, 1.0]), 0.999)) <= 1.0)
    # resamples and estimates at +-1 are clipped before atanh: they keep their order and stay inside (-1, 1)
    r = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    c = centred_resamples(r, 0.0)
    np.testing.assert_allclose(c, np.tanh(np.arctanh(np.clip(r, -1 + 1e-12, 1 - 1e-12))), rtol=1e-14)
    assert -1.0 < c[0] < c[1] < c[2] < c[3] < c[4] < 1.0
    assert centred_resamples(r, 1.0)[0] < 1.0 and centred_resamples(r, -1.0)[-1] > -1.0
    expected = np.tanh(np.arctanh(r[1:4]) + np.arctanh(0.3) - 0.0)
    np.testing.assert_allclose(centred_resamples(r, 0.3)[1:4], expected, rtol=1e-12)
    assert centred_resamples(r, float("nan")).shape == r.shape
    assert np.isnan(centred_resamples(s, float("nan"))).all() and np.isnan(centred_resamples(np.array([np.nan]), 0.2)).all()


def test_verdict_bootstrap_comparison_ci_is_the_central_95_percent():
    # planted: quantiles [0.05, 0.95] in stats/verdict.py -> fails
    from neurogrow.stats.verdict import bootstrap_comparison

    b = np.arange(1001, dtype=float) / 1000 - 0.2
    c = bootstrap_comparison("d", 0.3, np.r_[b, np.nan])
    assert c.ci95 == pytest.approx((0.025 - 0.2, 0.975 - 0.2))
    se = b.std(ddof=1)
    assert c.p == pytest.approx(2 * sps.norm.sf(0.3 / se))


# --------------------------------------------------------------------------- the mixed model's response


def test_mixed_models_are_fitted_on_log_rt():
    # planted: analysis.mixed_models fitting raw RT (formula still says log RT) -> fails
    from neurogrow.stats import fit_mixed
    from neurogrow.stats.mixed import fit_crossed

    rng = np.random.default_rng(13)
    n, s = 40, 6
    t = rng.gamma(3, 1, n)
    log_rt = 1.2 + 0.1 * t[:, None] + rng.normal(0, 0.1, n)[:, None] + rng.normal(0, 0.1, (1, s)) + rng.normal(0, 0.1, (n, s))
    summ = analyse(model_times(t), human_data(log_rt), Options(n_boot=20, n_perm=0, progress=False)).summary
    mm = summ["mixed_model"]
    img, subj = np.repeat(np.arange(n), s), np.tile(np.arange(s), n)
    ref = fit_crossed(log_rt.ravel(), t[img], subj, img)
    assert mm["coef"] == pytest.approx(ref["coef"], rel=1e-6) and mm["formula"].startswith("log_rt ~")
    assert mm["coef"] == pytest.approx(0.1, abs=0.03)  # raw RT (about 3.3 s) would give about 0.35
    assert mm["subject_only"]["coef"] == pytest.approx(fit_mixed(log_rt.ravel(), t[img], subj)["coef"], rel=1e-5)


# --------------------------------------------------------------------------- baselines' definitions and signs


def test_step_baselines_definitions():
    # planted: step1_uncertainty = max probability instead of 1 - max probability -> fails
    from neurogrow.rt.model_times import step_baselines

    p = np.array(
        [
            [[0.9, 0.05, 0.05], [0.95, 0.03, 0.02]],  # confident at once
            [[0.4, 0.3, 0.3], [0.6, 0.2, 0.2]],  # uncertain at step 1, confident at step 2
            [[1 / 3, 1 / 3, 1 / 3], [0.45, 0.3, 0.25]],  # never confident
        ]
    )
    b = step_baselines(p, np.array([1, 2, 2]))
    np.testing.assert_allclose(b["step1_uncertainty"], [0.1, 0.6, 2 / 3])
    np.testing.assert_allclose(b["step1_entropy"], [sps.entropy(p[i, 0]) for i in range(3)])
    np.testing.assert_allclose(b["final_entropy"], [sps.entropy(p[0, 0]), sps.entropy(p[1, 1]), sps.entropy(p[2, 1])])
    np.testing.assert_array_equal(b["confidence_step"], [1, 2, 2])
    # uncertainty rises with entropy: the two step-1 baselines agree in sign
    assert sps.spearmanr(b["step1_uncertainty"], b["step1_entropy"])[0] == pytest.approx(1.0)
