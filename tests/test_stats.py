"""neurogrow.stats: correlations, bootstrap, permutations, noise ceilings, partial Spearman, mixed model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from neurogrow.stats import (
    TrialTable,
    bootstrap_correlation,
    bootstrap_partial,
    ceiling_from_halves,
    fit_mixed,
    multinomial_counts,
    partial_spearman,
    pearson,
    permutation_pvalue,
    residualize,
    spearman,
    spearman_brown,
    split_half_counts,
    split_half_trials,
    subject_splits,
    two_level_bootstrap,
    weighted_correlation,
    weighted_midranks,
)
from neurogrow.stats.correlation import group_permutations
from neurogrow.stats.mixed import reml_random_intercept
from neurogrow.stats.partial import group_codes

from conftest import GEIRHOS as GEIRHOS_DATA

GEIRHOS = GEIRHOS_DATA / "raw-data"


def test_point_correlations_equal_scipy():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 50).astype(float)  # ties
    y = 0.3 * x + rng.normal(size=50)
    assert spearman(x, y) == pytest.approx(sps.spearmanr(x, y)[0], abs=1e-12)
    assert pearson(x, y) == pytest.approx(sps.pearsonr(x, y)[0], abs=1e-12)


@pytest.mark.parametrize("two_d", [False, True])
def test_weighted_midranks_equal_ranks_of_the_expanded_resample(two_d):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 8, 40).astype(float)
    w = multinomial_counts(rng, 30, 40)
    if two_d:
        vals = x + rng.integers(0, 2, (30, 40))  # different values per row, with ties
        ranks = weighted_midranks(vals, w, hint=np.argsort(x))
    else:
        vals = np.broadcast_to(x, (30, 40))
        ranks = weighted_midranks(x, w)
    for b in range(30):
        idx = np.repeat(np.arange(40), w[b].astype(int))
        np.testing.assert_allclose(ranks[b][idx], sps.rankdata(vals[b][idx]))


def test_weighted_correlation_equals_scipy_on_each_resample():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=25), rng.normal(size=25)
    w = multinomial_counts(rng, 20, 25)
    rs = weighted_correlation(x, y, w, "spearman")
    rp = weighted_correlation(x, y, w, "pearson")
    for b in range(20):
        idx = np.repeat(np.arange(25), w[b].astype(int))
        assert rs[b] == pytest.approx(sps.spearmanr(x[idx], y[idx])[0], abs=1e-10)
        assert rp[b] == pytest.approx(sps.pearsonr(x[idx], y[idx])[0], abs=1e-10)


def test_bootstrap_ci_matches_a_naive_bootstrap():
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = 0.4 * x + rng.normal(size=200)
    boot = bootstrap_correlation(x, y, 2000, np.random.default_rng(0))
    naive = []
    r2 = np.random.default_rng(1)
    for _ in range(2000):
        idx = r2.integers(0, 200, 200)
        naive.append(sps.spearmanr(x[idx], y[idx])[0])
    assert np.std(boot["spearman"]) == pytest.approx(np.std(naive), rel=0.1)
    assert np.mean(boot["spearman"]) == pytest.approx(np.mean(naive), abs=0.01)
    assert np.quantile(boot["pearson"], 0.025) < sps.pearsonr(x, y)[0] < np.quantile(boot["pearson"], 0.975)


def test_permutation_pvalue():
    rng = np.random.default_rng(4)
    x = rng.normal(size=100)
    assert permutation_pvalue(x, x + 0.1 * rng.normal(size=100), 999, rng) == pytest.approx(1 / 1000)
    ps = [permutation_pvalue(rng.normal(size=30), rng.normal(size=30), 199, rng) for _ in range(100)]
    assert 0.02 <= np.mean(np.array(ps) < 0.05) <= 0.12  # about uniform under the null
    y = rng.normal(size=100)
    r = abs(sps.spearmanr(x, y)[0])
    perm = [abs(sps.spearmanr(x, rng.permutation(y))[0]) for _ in range(2000)]
    assert permutation_pvalue(x, y, 2000, rng) == pytest.approx(np.mean(np.array(perm) >= r), abs=0.03)


def test_group_permutations_stay_within_groups():
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 4, 50)
    perm = group_permutations(rng, 20, groups, 50)
    for row in perm:
        assert sorted(row) == list(range(50))
        np.testing.assert_array_equal(groups[row], groups)


def test_trial_table_mean_and_weighted_median():
    rng = np.random.default_rng(6)
    img = np.repeat(np.arange(5), 6)
    subj = np.tile(np.arange(6), 5)
    keep = rng.random(30) > 0.2
    img, subj, val = img[keep], subj[keep], rng.normal(size=keep.sum())
    v = rng.integers(0, 3, (6, 4)).astype(float)
    for agg, fn in (("mean", np.mean), ("median", np.median)):
        m = TrialTable(img, subj, val, 5, 6, agg).image_measure(v)
        for j in range(4):
            for i in range(5):
                sel = img == i
                expanded = np.repeat(val[sel], v[subj[sel], j].astype(int))
                if expanded.size:
                    assert m[i, j] == pytest.approx(fn(expanded))
                else:
                    assert np.isnan(m[i, j])


def test_subject_splits_are_halves_and_distinct():
    rng = np.random.default_rng(0)
    h = subject_splits(rng, 10, 100)
    assert h.shape == (10, 100) and (h.sum(0) == 5).all()
    assert len({tuple(c) for c in h.T}) == 100  # drawn without replacement from the 126 distinct splits
    assert subject_splits(rng, 4, 100).shape == (4, 3)  # all 3 distinct splits: the exact average
    assert (subject_splits(rng, 51, 100).sum(0) == 25).all()


def test_spearman_brown():
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    assert spearman_brown(0.0) == 0.0


def test_split_half_ceiling_recovers_a_known_reliability():
    rng = np.random.default_rng(7)
    n_img, n_subj, tau, sigma = 400, 20, 1.0, 3.0
    true = rng.normal(0, tau, n_img)
    vals = true[:, None] + rng.normal(0, sigma, (n_img, n_subj))
    img, subj = np.indices(vals.shape)
    table = TrialTable(img.ravel(), subj.ravel(), vals.ravel(), n_img, n_subj)
    a, b = split_half_trials(table, 100, rng)
    nc = ceiling_from_halves(a, b, 200, rng)
    reliability = tau**2 / (tau**2 + sigma**2 / n_subj)  # of the mean over all subjects
    assert nc.spearman_brown == pytest.approx(reliability, abs=0.04)
    assert nc.ci95[0] < reliability < nc.ci95[1]
    assert nc.range95[0] <= nc.spearman_brown <= nc.range95[1]


def test_split_half_counts():
    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(4) * 0.5, size=300)
    counts = np.array([rng.multinomial(50, pi) for pi in p])
    ref = p.argmax(1)
    a, b = split_half_counts(counts, ref, "accuracy", 20, rng)
    assert a.shape == (20, 300)
    ca = np.rint(a * 25).astype(int)  # halves of 25 responses each
    cb = np.rint(b * 25).astype(int)
    np.testing.assert_array_equal(ca + cb, np.broadcast_to(counts[np.arange(300), ref], ca.shape))
    nc = ceiling_from_halves(a, b, 100, rng, unit="responses")
    assert 0.5 < nc.spearman_brown < 1.0


def test_split_half_counts_plurality_reference_is_taken_within_each_half():
    """Accuracy against the plurality response (CIFAR-10H counts without labels): the reference
    must come from each half's own responses.  Planted: 1000 images with the same response
    distribution (true reliability 0, two classes at 45 % each).  Scoring both halves against the
    plurality of all responses ties them together (ceiling about -1.3); per-half pluralities give
    independent halves (ceiling about 0, like scoring against the true label)."""
    rng = np.random.default_rng(0)
    p = np.array([0.45, 0.45, 0.1] + [0.0] * 7)
    counts = rng.multinomial(50, p, size=1000)

    def ceiling(ref, **kw):
        a, b = split_half_counts(counts, ref, "accuracy", 20, np.random.default_rng(1), **kw)
        return a, b, ceiling_from_halves(a, b, 100, np.random.default_rng(2), unit="responses").spearman_brown

    _, _, true_label = ceiling(np.zeros(1000, dtype=int))
    _, _, all_plurality = ceiling(counts.argmax(1))
    a, b, per_half = ceiling(None, plurality=True)
    assert abs(true_label) < 0.25 and abs(per_half) < 0.25
    assert all_plurality < -0.6  # the bias the per-half reference removes
    # each half's accuracy is the share of its most frequent response (halves of 25)
    assert np.allclose(a * 25, np.rint(a * 25)) and a.min() >= 9 / 25 and b.min() >= 9 / 25  # 3 classes: plurality >= 9 of 25
    # images that do differ still give a high ceiling
    q = rng.dirichlet(np.ones(4) * 0.5, size=300)
    het = np.array([rng.multinomial(50, qi) for qi in q])
    a, b = split_half_counts(het, None, "accuracy", 20, rng, plurality=True)
    assert np.all(np.rint(a * 25) + np.rint(b * 25) >= het.max(1))  # each half's plurality, not the overall one
    assert 0.5 < ceiling_from_halves(a, b, 100, rng, unit="responses").spearman_brown < 1.0


def test_partial_spearman_removes_category_means():
    rng = np.random.default_rng(9)
    cat = np.repeat(np.arange(8), 30)
    shift = rng.normal(0, 3, 8)[cat]
    x = shift + rng.normal(size=cat.size)
    y = shift + rng.normal(size=cat.size)  # related only through category
    assert spearman(x, y) > 0.6
    r = partial_spearman(x, y, cat)
    xr = x - pd.Series(x).groupby(cat).transform("mean").to_numpy()
    yr = y - pd.Series(y).groupby(cat).transform("mean").to_numpy()
    assert r == pytest.approx(sps.spearmanr(xr, yr)[0], abs=1e-12)
    assert abs(r) < 0.15
    boot = bootstrap_partial(x, y, cat, 300, rng)
    assert np.quantile(boot, 0.025) < 0 < np.quantile(boot, 0.975)


def test_weighted_residualize_equals_expanded():
    rng = np.random.default_rng(10)
    x = rng.normal(size=30)
    codes = rng.integers(0, 3, 30)
    w = multinomial_counts(rng, 5, 30)
    res = residualize(x, codes, w)
    for b in range(5):
        idx = np.repeat(np.arange(30), w[b].astype(int))
        expected = x[idx] - pd.Series(x[idx]).groupby(codes[idx]).transform("mean").to_numpy()
        np.testing.assert_allclose(res[b][idx], expected)


def test_two_level_bootstrap_draws_subjects_and_items():
    seen = []

    def stat(v, w):
        seen.append((v.sum(1), w.sum(1)))
        return v[:, 0]

    out = two_level_bootstrap(stat, 7, 30, 50, np.random.default_rng(0))
    assert out.shape == (50,)
    assert all((v == 7).all() and (w == 30).all() for v, w in seen)


def _geirhos_table(name):
    from neurogrow.human import load_human

    t = load_human(GEIRHOS / name).trials
    v = t[t["responded"]]
    stim = sorted(t["stimulus"].unique())
    subj = sorted(t["subject"].unique())
    table = TrialTable(
        pd.Index(stim).get_indexer(v["stimulus"]), pd.Index(subj).get_indexer(v["subject"]), np.log(v["rt"]), len(stim), len(subj)
    )
    cat = t.groupby("stimulus")["category"].first().loc[stim].to_numpy()
    return table, group_codes(cat)[0]


@pytest.mark.parametrize(
    "name, overall, within",
    [("edge-experiment", 0.67, 0.28), ("silhouette-filled-experiment", 0.72, 0.45)],
)
def test_noise_ceilings_on_the_shipped_geirhos_data_match_science_md(name, overall, within):
    table, codes = _geirhos_table(name)
    rng = np.random.default_rng(0)
    a, b = split_half_trials(table, 100, rng)
    assert ceiling_from_halves(a, b, 100, rng).spearman_brown == pytest.approx(overall, abs=0.03)
    assert ceiling_from_halves(a, b, 100, rng, codes).spearman_brown == pytest.approx(within, abs=0.03)


def test_mixed_model_recovers_a_known_slope():
    rng = np.random.default_rng(11)
    n_img, n_subj = 300, 30
    model_time = rng.gamma(3, 1, n_img)
    cat = rng.integers(0, 4, n_img)
    cat_effect = np.array([0.0, 0.1, -0.1, 0.2])
    subj = rng.normal(0, 0.2, n_subj)
    logrt = -0.2 + 0.05 * model_time[:, None] + cat_effect[cat][:, None] + subj[None, :] + rng.normal(0, 0.1, (n_img, n_subj))
    img, s = np.indices(logrt.shape)
    res = fit_mixed(logrt.ravel(), model_time[img.ravel()], s.ravel(), cat[img.ravel()])
    assert res["coef"] == pytest.approx(0.05, abs=0.003)
    assert res["ci95"][0] < 0.05 < res["ci95"][1]
    assert res["p"] < 1e-10
    assert res["subject_sd"] == pytest.approx(np.std(subj, ddof=1), rel=0.1)
    assert res["residual_sd"] == pytest.approx(0.1, rel=0.05)
    assert res["n_subjects"] == n_subj and res["converged"]


def test_reml_start_is_the_statsmodels_optimum():
    import statsmodels.api as sm

    rng = np.random.default_rng(12)
    g = np.repeat(np.arange(15), 40)
    x = rng.normal(size=g.size)
    y = 0.3 * x + rng.normal(0, 0.5, 15)[g] + rng.normal(size=g.size)
    X = np.column_stack([np.ones_like(x), x])
    beta, gamma = reml_random_intercept(y, X, g)
    res = sm.MixedLM(y, X, groups=g).fit(reml=True, method="nm", maxiter=5000)
    np.testing.assert_allclose(beta, res.fe_params, atol=1e-5)
    assert gamma == pytest.approx(float(np.asarray(res.cov_re)[0, 0]) / res.scale, rel=1e-3)


# --- counts measures, split halves of responses, weighted medians: edge cases (mutation testing) ----
def test_counts_measure_edges():
    import warnings

    from neurogrow.stats.noise_ceiling import counts_measure

    counts = np.array([[3, 1, 0], [0, 0, 0], [0, 4, 0]])
    with pytest.raises(ValueError, match=r"^accuracy needs the reference class of each image$"):
        counts_measure(counts, None, "accuracy")
    with pytest.raises(ValueError, match=r"^unknown counts measure 'median'$"):
        counts_measure(counts, None, "median")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an image without responses is NaN, silently
        acc = counts_measure(counts, np.array([0.0, 1.0, 1.0]), "accuracy")  # float labels index as integers
        ent = counts_measure(counts, None, "entropy")
    np.testing.assert_allclose(acc, [0.75, np.nan, 1.0])
    np.testing.assert_allclose(ent, [-(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25)), np.nan, 0.0])
    assert not np.signbit(ent[2])  # a unanimous image has entropy +0.0, not -0.0 (written as "-0.0" in CSV)


def test_split_half_counts_halves_hold_floor_n_over_2_responses():
    from neurogrow.stats.noise_ceiling import split_half_counts

    counts = np.array([[3, 2], [1, 4]])  # 5 responses each: 2 in the first half, 3 in the second
    a, b = split_half_counts(counts, np.array([0, 1]), "accuracy", 200, np.random.default_rng(0))
    assert set(np.round(a[:, 0], 6)) <= {0.0, 0.5, 1.0} and set(np.round(b[:, 0], 6)) <= {0.0, 0.333333, 0.666667, 1.0}
    assert len(set(np.round(a[:, 0], 6))) == 3  # the halves are random
    a2, b2 = split_half_counts(counts.astype(float), np.array([0, 1]), "accuracy", 200, np.random.default_rng(0))
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)


def test_weighted_median_images_without_weight_are_nan():
    from neurogrow.stats import TrialTable

    # images 0 and 3 have no trial; image 2 only trials of subject 1
    t = TrialTable([1, 1, 1, 2, 2], [0, 1, 2, 1, 1], [1.0, 5.0, 2.0, 7.0, 9.0], 4, 3, "median")
    np.testing.assert_allclose(t.image_measure(), [np.nan, 2.0, 8.0, np.nan])
    w = np.array([[1.0, 2.0], [0.0, 1.0], [1.0, 0.0]])  # column 0: subject 1 left out; column 1: subject 1 twice
    np.testing.assert_allclose(t.image_measure(w), [[np.nan, np.nan], [1.5, 1.0], [np.nan, 8.0], [np.nan, np.nan]])


def test_partial_from_correlations_formula_and_guards():
    import warnings

    from neurogrow.stats.paired import partial_from_correlations

    got = partial_from_correlations(0.5, 0.3, 0.4)
    assert isinstance(got, float) and got == pytest.approx((0.5 - 0.12) / np.sqrt(0.91 * 0.84), rel=1e-12)
    rows = partial_from_correlations([0.5, 0.2], [0.6, -0.1], [0.1, 0.7])
    np.testing.assert_allclose(rows, [(0.5 - 0.06) / np.sqrt(0.64 * 0.99), (0.2 + 0.07) / np.sqrt(0.99 * 0.51)], rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # |r| = 1 with z: a division by 0, silently (0/0 is NaN, x/0 clipped)
        assert np.isnan(partial_from_correlations(1.0, 1.0, 1.0)) and partial_from_correlations(1.0, 1.0, 0.5) == 1.0
    assert partial_from_correlations([0.99], [0.0], [0.0])[0] == pytest.approx(0.99)
    assert partial_from_correlations(0.9, 0.9, -0.9) == 1.0 and partial_from_correlations(-0.9, 0.9, 0.9) == -1.0  # clipped to [-1, 1]


def test_bootstrap_pvalue_exactly():
    from neurogrow.stats.paired import bootstrap_pvalue

    assert bootstrap_pvalue([]) is None and bootstrap_pvalue([np.nan]) is None
    # B = 4 finite: #{s <= 0} = 1 -> (1 + 1) / 5; #{s >= 0} = 4 (a 0 counts on both sides) -> 2 * 0.4
    assert bootstrap_pvalue([0.0, 0.5, 1.2, 2.0, np.nan]) == pytest.approx(0.8)
    assert bootstrap_pvalue([0.2, 0.5, 1.2, 2.0, 3.0]) == pytest.approx(2 * 1 / 6)
    assert bootstrap_pvalue([-0.5, -0.2, 0.3, 0.9]) == 1.0  # capped at 1
    assert bootstrap_pvalue([0.5]) == pytest.approx(1.0)  # 2 * 1/2
    assert bootstrap_pvalue(np.full(9, -0.7)) == pytest.approx(0.2)
    assert bootstrap_pvalue([0.4, 0.6, 0.9]) == pytest.approx(0.5)  # values in (0, 1) are above 0
    assert bootstrap_pvalue([0.0, -1.0, -2.0, -3.0]) == pytest.approx(0.8)  # the 0 counts on the upper side too


def test_paired_rows_uses_given_rho_or_computes_it():
    from neurogrow.stats.bootstrap import multinomial_counts
    from neurogrow.stats.paired import paired_rows
    from neurogrow.stats.ranks import weighted_midranks, weighted_pearson_rows

    rng = np.random.default_rng(3)
    x, y, z = rng.normal(size=(3, 30))
    w = multinomial_counts(rng, 5, 30)
    rx, ry = weighted_midranks(x, w), weighted_midranks(y, w)
    r_xy = weighted_pearson_rows(rx, ry, w)
    own = paired_rows(rx, ry, z, w)
    given = paired_rows(rx, ry, z, w, r_xy=r_xy)
    for k in ("spearman", "difference", "partial"):
        np.testing.assert_allclose(own[k], given[k], rtol=0, atol=1e-12)
    fake = paired_rows(rx, ry, z, w, r_xy=np.full(5, 0.5))
    np.testing.assert_allclose(fake["difference"], 0.5 - own["spearman"], atol=1e-12)


def test_group_permutations_rows_are_permutations():
    rng = np.random.default_rng(0)
    p = group_permutations(rng, 50, None, 7)
    assert p.shape == (50, 7) and all(sorted(r) == list(range(7)) for r in p.tolist())
    g = np.array([0, 1, 0, 1, 1, 2, 0])
    q = group_permutations(rng, 50, g, 7)
    assert all(sorted(r) == list(range(7)) for r in q.tolist()) and np.all(g[q] == g)


def test_within_category_permutation_pvalues_permute_within_categories():
    from neurogrow.stats import permutation_pvalue
    from neurogrow.stats.partial import partial_permutation_pvalue, rank_residual_permutation_pvalue, rank_residuals, residualize

    rng = np.random.default_rng(5)
    groups = np.repeat(["a", "b", "c"], [6, 5, 9])
    codes = group_codes(groups)[0]
    x = rng.normal(size=20) + 3 * codes
    y = 0.5 * x + rng.normal(size=20)
    got = partial_permutation_pvalue(x, y, groups, 300, np.random.default_rng(1))
    assert got == permutation_pvalue(residualize(x, codes), residualize(y, codes), 300, np.random.default_rng(1), "spearman", groups=codes)
    assert got != permutation_pvalue(residualize(x, codes), residualize(y, codes), 300, np.random.default_rng(1), "spearman")
    got = rank_residual_permutation_pvalue(x, y, groups, 300, np.random.default_rng(2))
    want = permutation_pvalue(rank_residuals(x, codes), rank_residuals(y, codes), 300, np.random.default_rng(2), "pearson", groups=codes)
    assert got == want
    assert got != permutation_pvalue(rank_residuals(x, codes), rank_residuals(y, codes), 300, np.random.default_rng(2), "spearman", groups=codes)


def test_weighted_rank_residuals_equal_those_of_the_expanded_resample():
    from neurogrow.stats.partial import rank_residuals
    from neurogrow.stats.ranks import midranks

    rng = np.random.default_rng(6)
    x = np.round(rng.normal(size=12), 1)
    codes = np.repeat([0, 1, 2], 4)
    w = rng.multinomial(12, np.full(12, 1 / 12), size=3).astype(float)
    got = rank_residuals(x, codes, w)
    for b in range(3):
        idx = np.repeat(np.arange(12), w[b].astype(int))
        r = midranks(x[idx])
        res = r - np.array([r[codes[idx] == codes[i]].mean() for i in idx])
        for i in np.flatnonzero(w[b] > 0):
            assert got[b, i] == pytest.approx(res[idx == i][0])


def test_within_rows_with_a_category_absent_from_a_resample():
    from neurogrow.stats.partial import within_rows

    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(2, 12))
    codes = np.repeat([0, 1, 2], 4)
    w = np.ones((2, 12))
    w[1, 8:] = 0.0  # category 2 not drawn in resample 1
    for method in ("mean_removed", "rank_residual"):
        r = within_rows(x, y + 0.8 * x, codes, w, method)
        assert np.all(np.isfinite(r)), method
        keep = np.arange(8)
        assert r[1] == pytest.approx(within_rows(x[keep], (y + 0.8 * x)[keep], codes[keep], np.ones((1, 8)), method)[0])


def test_split_half_counts_is_reproducible_across_versions():
    """Seeded halves are part of a run's result (its noise ceiling): pinned for seed 0."""
    from neurogrow.stats.noise_ceiling import split_half_counts

    a, b = split_half_counts(np.array([[3, 2], [1, 4], [2, 2]]), np.array([0, 1, 0]), "accuracy", 3, np.random.default_rng(0))
    np.testing.assert_allclose(a, [[0.5, 1.0, 0.5], [0.5, 1.0, 1.0], [0.0, 1.0, 0.5]])
    np.testing.assert_allclose(b, [[2 / 3, 2 / 3, 0.5], [2 / 3, 2 / 3, 0.0], [1.0, 2 / 3, 0.5]])


def test_group_codes_are_integer_indices():
    codes, uniq = group_codes(np.array(["b", "a", "b", "c"]))
    assert codes.dtype == np.intp and codes.tolist() == [1, 0, 1, 2] and list(uniq) == ["a", "b", "c"]
    from neurogrow.stats.partial import residualize

    np.testing.assert_allclose(residualize([1, 2, 3, 5], np.array([0, 0, 1, 1])), [-0.5, 0.5, -1.0, 1.0])  # integer input


def test_pearson_edges():
    import warnings

    from neurogrow.stats import pearson

    for seed, k in ((1, -3.0), (12, 3.0)):  # rounding puts the raw ratio just past -1 / +1
        x = np.random.default_rng(seed).normal(size=7)
        assert pearson(x, k * x + 1) == np.sign(k)
    half = np.array([-0.5, 0.5, -0.5, 0.5])  # sums of squares exactly 1: the denominator is 1, not 0
    assert pearson(half, half) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(pearson(np.ones(4), half))  # a constant: undefined, silently


def test_residualize_against_a_loop():
    import warnings

    from neurogrow.stats.partial import residualize

    x = np.array([1.0, np.nan, 3.0, 4.0, 10.0, 6.0])
    codes = np.array([0, 0, 0, 2, 2, 2])  # group 1 is empty
    w = np.array([[1.0, 1.0, 2.0, 0.0, 1.0, 3.0], [0.0, 5.0, 1.0, 1.0, 1.0, 1.0]])

    def loop(v, weights):
        out = np.full(v.size, np.nan)
        for g in np.unique(codes):
            m = (codes == g) & np.isfinite(v) & (weights > 0)
            mean = np.sum(weights[m] * v[m]) / np.sum(weights[m]) if m.any() else np.nan
            out[codes == g] = v[codes == g] - mean
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty group or an all-zero-weight group: NaN means, silently
        one = residualize(x, codes)
        two = residualize(x, codes, w)
        flat = residualize(np.vstack([x, x]), codes)
        zero = residualize(x, codes, np.zeros((1, 6)))
    np.testing.assert_allclose(one, loop(x, np.ones(6)))
    np.testing.assert_allclose(two, np.vstack([loop(x, w[0]), loop(x, w[1])]))
    np.testing.assert_allclose(flat, np.vstack([one, one]))
    assert np.all(np.isnan(zero))
    assert residualize(np.array([]), np.array([], dtype=int)).size == 0
    last = residualize(np.array([1.0, 3.0, np.nan]), np.array([0, 0, 1]))  # the last group has no finite value
    np.testing.assert_allclose(last, [-1.0, 1.0, np.nan])
    np.testing.assert_allclose(residualize(np.array([1.0, 2.0, np.nan]), np.array([0, 1, 2])), [0.0, 0.0, np.nan])


def test_n_distinct_splits_and_the_ceiling_record():
    from itertools import combinations

    from neurogrow.stats.noise_ceiling import NoiseCeiling, n_distinct_splits

    for n in range(2, 10):  # unordered splits into floor/ceil halves, counted by brute force
        halves = {frozenset([frozenset(c), frozenset(set(range(n)) - set(c))]) for c in combinations(range(n), n // 2)}
        assert n_distinct_splits(n) == len(halves), n
    nc = NoiseCeiling(0.8, 0.67, np.zeros(3), [0.7, 0.9], 0.05, [0.72, 0.88], 3, "responses within image")
    assert nc.to_dict() == {"spearman_brown": 0.8, "ci95": [0.7, 0.9], "sd": 0.05, "range95": [0.72, 0.88], "r_half": 0.67,
                            "n_splits": 3, "split_unit": "responses within image"}


def test_subject_splits_enumerated_and_random(monkeypatch):
    import neurogrow.stats.noise_ceiling as ncm

    with pytest.raises(ValueError, match=r"^a split-half needs at least 2 subjects$"):
        ncm.subject_splits(np.random.default_rng(0), 1, 5)
    for n, distinct in ((4, 3), (5, 10), (6, 10)):
        h = ncm.subject_splits(np.random.default_rng(0), n, 50)
        assert h.shape == (n, distinct) and set(np.unique(h)) == {0.0, 1.0} and np.all(h.sum(0) == n // 2)
        splits = {frozenset([frozenset(np.flatnonzero(c)), frozenset(np.flatnonzero(1 - c))]) for c in h.T}
        assert len(splits) == distinct  # every distinct split once: the exact average
    monkeypatch.setattr(ncm, "MAX_ENUMERATED_SPLITS", 10)  # at the limit: still enumerated
    h = ncm.subject_splits(np.random.default_rng(1), 6, 10)
    assert len({tuple(c) for c in h.T}) == 10
    monkeypatch.setattr(ncm, "MAX_ENUMERATED_SPLITS", 9)  # above it: independent random halves
    h = ncm.subject_splits(np.random.default_rng(1), 6, 40)
    assert h.shape == (6, 40) and np.all(h.sum(0) == 3) and len({tuple(c) for c in h.T}) < 40


def test_half_corr_ignores_images_missing_from_a_half_and_follows_the_within_method():
    from neurogrow.stats.noise_ceiling import _half_corr
    from neurogrow.stats.partial import within_rows

    rng = np.random.default_rng(11)
    a = rng.normal(size=(3, 12))
    b = a + rng.normal(size=(3, 12))
    codes = np.repeat([0, 1, 2], 4)
    w = np.ones((3, 12))
    a_nan = a.copy()
    a_nan[:, 5] = np.nan  # image 5 has no value in half A: it counts in neither half
    keep = np.arange(12) != 5
    want = _half_corr(a[:, keep], b[:, keep], w[:, keep], None)
    np.testing.assert_allclose(_half_corr(a_nan, b, w, None), want)
    np.testing.assert_allclose(_half_corr(a_nan, b, w, codes), _half_corr(a[:, keep], b[:, keep], w[:, keep], codes[keep]))
    rr = _half_corr(a, b, w, codes, within="rank_residual")
    np.testing.assert_allclose(rr, within_rows(a, b, codes, w, "rank_residual"))
    assert not np.allclose(rr, _half_corr(a, b, w, codes))


def test_paired_holm_matches_statsmodels_and_caps_at_1():
    from statsmodels.stats.multitest import multipletests

    from neurogrow.stats.paired import holm

    p = [0.01, 0.6, None, 0.03, 0.7, np.nan]
    got = holm(p)
    want = multipletests([0.01, 0.6, 0.03, 0.7], method="holm")[1]
    assert got[2] is None and got[5] is None
    np.testing.assert_allclose([got[i] for i in (0, 1, 3, 4)], want)
    assert max(v for v in got if v is not None) == 1.0


def test_bootstrap_correlation_per_method_and_the_ceiling_defaults():
    from neurogrow.stats.bootstrap import image_bootstrap
    from neurogrow.stats.correlation import bootstrap_correlation, weighted_correlation
    from neurogrow.stats.noise_ceiling import ceiling_from_halves, spearman_brown

    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2, 25))
    y = y + x**3
    got = bootstrap_correlation(x, y, 40, np.random.default_rng(3))
    ref = image_bootstrap(lambda w: {"pearson": weighted_correlation(x, y, w, "pearson")}, 25, 40, np.random.default_rng(3))
    np.testing.assert_allclose(got["pearson"], ref["pearson"])
    assert not np.allclose(got["pearson"], got["spearman"])
    a = rng.normal(size=(7, 25))
    b = a + rng.normal(size=(7, 25))
    nc = ceiling_from_halves(a, b, 20, np.random.default_rng(4))
    direct = [spearman(a[i], b[i]) for i in range(7)]
    np.testing.assert_allclose(nc.split_values, spearman_brown(np.array(direct)), rtol=1e-10)
    assert nc.unit == "subjects" and nc.to_dict()["split_unit"] == "subjects" and nc.n_splits == 7


def test_ceiling_from_halves_rank_residual_within_category():
    from neurogrow.stats.noise_ceiling import ceiling_from_halves, spearman_brown
    from neurogrow.stats.partial import within_rows

    rng = np.random.default_rng(13)
    a = rng.normal(size=(5, 24)) + np.repeat([0.0, 2.0, 4.0], 8)
    b = a + rng.normal(size=(5, 24))
    codes = np.repeat([0, 1, 2], 8)
    nc = ceiling_from_halves(a, b, 10, np.random.default_rng(1), codes, within="rank_residual")
    want = spearman_brown(within_rows(a, b, codes, np.ones_like(a), "rank_residual"))
    np.testing.assert_allclose(nc.split_values, want, rtol=1e-10)
    assert not np.allclose(nc.split_values, ceiling_from_halves(a, b, 10, np.random.default_rng(1), codes).split_values)


# --- exact outputs where the statistical tests above have tolerances (mutation testing) ---------


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_permutation_pvalue_counts_exactly_the_permutations_drawn(monkeypatch, method):
    """The p-value equals (1 + #{|r_perm| >= |r_obs|}) / (1 + n_perm) over the permutations drawn
    from the same generator in the same chunks, with r from scipy; ties at |r_obs| count."""
    import neurogrow.stats.correlation as corr

    monkeypatch.setattr(corr, "chunk_rows", lambda n: 7)  # several chunks, one of them partial
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y = np.array([2.0, 5.0, 1.0, 6.0, 3.0, 4.0])  # integer ranks: many permutations tie |r_obs| exactly
    f = sps.spearmanr if method == "spearman" else sps.pearsonr
    r_obs = abs(f(x, y)[0])
    for n_perm in (1, 7, 30):
        rng = np.random.default_rng(5)
        hits = ties = 0
        for start in range(0, n_perm, 7):
            for p in group_permutations(rng, min(7, n_perm - start), None, x.size):
                hits += abs(f(x, y[p])[0]) >= r_obs - 1e-9
                ties += abs(abs(f(x, y[p])[0]) - r_obs) < 1e-9
        assert permutation_pvalue(x, y, n_perm, np.random.default_rng(5), method) == (1 + hits) / (1 + n_perm)
    assert 1 < hits < 29 and ties > 0  # neither none nor all, and permutations that tie |r_obs| counted
    assert np.isnan(permutation_pvalue(x, y, 0, np.random.default_rng(5), method))
    assert np.isnan(permutation_pvalue(np.ones(6), y, 10, np.random.default_rng(5), method))
    assert np.isnan(permutation_pvalue(x, np.ones(6), 10, np.random.default_rng(5), method))
    with pytest.raises(ValueError, match="unknown correlation method 'kendall'"):
        permutation_pvalue(x, y, 10, np.random.default_rng(5), "kendall")


def test_trial_table_shapes_codes_and_quiet_nans():
    """Images and subjects past the last trial still have their row and column; float codes and
    integer or boolean values give the same measures as ints and floats; an image without a trial
    is NaN without a warning; a bad aggregate is named."""
    import warnings

    from neurogrow.stats.aggregate import TrialTable

    kw = {"n_images": 4, "n_subjects": 3}
    for agg in ("mean", "median"):
        t = TrialTable(np.array([0, 0, 1, 2]), np.array([0, 1, 0, 1]), np.array([1.0, 2.0, 3.0, 4.0]), aggregate=agg, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = t.image_measure()
            both = t.image_measure(np.array([[1, 0], [1, 1], [2, 0]]))
        np.testing.assert_array_equal(got, [1.5, 3.0, 4.0, np.nan])
        np.testing.assert_array_equal(both[:, 1], [2.0, np.nan, 4.0, np.nan])
        assert got.shape == (4,) and both.shape == (4, 2)
        f = TrialTable(np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0, 1.0]), np.array([1, 2, 3, 4]), aggregate=agg, **kw)
        np.testing.assert_array_equal(f.image_measure(), got)
        assert f.image.dtype == f.subject.dtype == np.intp  # codes index per-image arrays (compare-rt's mixed model)
        b = TrialTable([0, 0, 1, 2], [0, 1, 0, 1], np.array([True, False, True, True]), aggregate=agg, **kw)
        np.testing.assert_array_equal(b.image_measure(np.array([1.0, 1.0, 0.0]))[:, 0], [0.5, 1.0, 1.0, np.nan])
    with pytest.raises(ValueError, match=r"^aggregate must be 'mean' or 'median'$"):
        TrialTable([0], [0], [1.0], 1, 1, aggregate="mode")


def _expanded_spearman(a, b, counts, codes, within):
    """The correlation of one resample computed on the expanded resample (images repeated by count)."""
    a, b = np.repeat(a, counts), np.repeat(b, counts)
    if codes is None:
        return sps.spearmanr(a, b)[0]
    c = np.repeat(codes, counts)
    if within == "rank_residual":
        a, b = sps.rankdata(a), sps.rankdata(b)
    for g in np.unique(c):
        a[c == g] -= a[c == g].mean()
        b[c == g] -= b[c == g].mean()
    return sps.spearmanr(a, b)[0] if within == "mean_removed" else sps.pearsonr(a, b)[0]


@pytest.mark.parametrize("within", ["mean_removed", "rank_residual"])
@pytest.mark.parametrize("with_codes", [False, True])
def test_ceiling_from_halves_exactly(monkeypatch, within, with_codes):
    """Every field from its definition: per split the Spearman of the halves (residualised within
    category), stepped up by Spearman-Brown; mean, SD (ddof 1) and range over the finite splits;
    the bootstrap resample i uses split floor(i * n_splits / n_boot), its correlation that of the
    expanded resample; the interval the 2.5/97.5 percentiles of the finite resamples."""
    import warnings

    import neurogrow.stats.bootstrap as bs
    import neurogrow.stats.noise_ceiling as nc
    from neurogrow.stats.bootstrap import iter_counts

    monkeypatch.setattr(nc, "chunk_rows", lambda n: 2)  # splits in chunks of 2
    monkeypatch.setattr(bs, "chunk_rows", lambda n: 4)  # resamples in chunks of 4, 4 and 1
    rng = np.random.default_rng(3)
    n_splits, n, n_boot = 5, 12, 9
    codes = np.repeat([0, 1, 2], 4) if with_codes else None
    a = rng.normal(size=(n_splits, n)) + np.repeat([0.0, 3.0, 6.0], 4)
    b = a + rng.normal(size=(n_splits, n))
    b[3] = 1.0  # one split whose half is constant: NaN, left out of the mean, SD and range
    ones = np.ones(n, dtype=int)
    r = np.array([_expanded_spearman(a[s], b[s], ones, codes, within) for s in range(n_splits)])
    sb = 2 * r / (1 + r)
    fin = sb[np.isfinite(sb)]
    boot = []
    for rows, w in iter_counts(np.random.default_rng(9), n_boot, n):
        for i, counts in zip(range(rows.start, rows.stop), w.astype(int)):
            s = (i * n_splits) // n_boot
            rr = _expanded_spearman(a[s], b[s], counts, codes, within)
            boot.append(2 * rr / (1 + rr))
    boot = np.array(boot)
    with np.errstate(invalid="ignore"):
        got = nc.ceiling_from_halves(a, b, n_boot, np.random.default_rng(9), codes, unit="raters", within=within)
    assert got.spearman_brown == pytest.approx(fin.mean(), abs=1e-12)
    assert got.r_half == pytest.approx(np.nanmean(r), abs=1e-12)
    assert got.sd == pytest.approx(fin.std(ddof=1), abs=1e-12)
    np.testing.assert_allclose(got.split_values, sb, atol=1e-12)
    assert got.range95 == pytest.approx(list(np.quantile(fin, [0.025, 0.975])), abs=1e-12)
    assert got.ci95 == pytest.approx(list(np.quantile(boot[np.isfinite(boot)], [0.025, 0.975])), abs=1e-12)
    assert (got.n_splits, got.unit) == (n_splits, "raters")
    pair = nc.ceiling_from_halves(a[1:3], b[1:3], 3, np.random.default_rng(9), codes, within=within)  # two finite splits
    assert pair.sd == pytest.approx(sb[1:3].std(ddof=1), abs=1e-12)
    with warnings.catch_warnings():  # no split or a single finite one: NaN where undefined, quietly
        warnings.simplefilter("error")
        one = nc.ceiling_from_halves(a[:1], b[:1], 3, np.random.default_rng(9), codes, within=within)
        none = nc.ceiling_from_halves(b[3:4], b[3:4], 3, np.random.default_rng(9), codes, within=within)
        two = nc.ceiling_from_halves(a[2:4], b[2:4], 3, np.random.default_rng(9), codes, within=within)  # one finite
    assert one.spearman_brown == pytest.approx(sb[0], abs=1e-12) and np.isnan(one.sd)
    assert two.spearman_brown == pytest.approx(sb[2], abs=1e-12) and np.isnan(two.sd) and two.r_half == pytest.approx(r[2])
    assert np.isnan(none.spearman_brown) and np.isnan(none.r_half) and np.isnan(none.sd)


def test_spearman_brown_exactly_and_quietly():
    import warnings

    from neurogrow.stats.noise_ceiling import spearman_brown

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = spearman_brown(np.array([0.5, -1.0, np.nan, 0.0]))
        assert spearman_brown(0.5) == pytest.approx(2 / 3) and type(spearman_brown(0.5)) is float
        assert spearman_brown([1, 0]) == pytest.approx([1.0, 0.0])  # a list of ints: floats out
        assert spearman_brown(np.array([1])).dtype == float
    np.testing.assert_allclose(got, [2 / 3, -np.inf, np.nan, 0.0])
    assert spearman_brown(0.25, factor=3.0) == pytest.approx(0.75 / 1.5)


def test_weighted_pearson_rows_clips_to_one_and_is_quiet_on_constant_rows():
    import warnings

    from neurogrow.stats.ranks import weighted_pearson_rows

    rng = np.random.default_rng(0)
    a = rng.normal(size=(200, 7))
    w = rng.integers(1, 3, size=(200, 7))  # about a quarter of these rows round to |r| > 1 unclipped
    up, down = weighted_pearson_rows(a, 3 * a + 0.3, w), weighted_pearson_rows(a, -3 * a + 0.3, w)
    assert up.max() == 1.0 and np.all(up >= 1 - 1e-12)
    assert down.min() == -1.0 and np.all(down <= -1 + 1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = weighted_pearson_rows(np.ones(4), np.arange(4.0), np.array([[1, 1, 1, 1], [0, 0, 0, 0]]))
    assert np.isnan(r).all()


def test_rank_and_correlation_messages_and_weighted_correlation_default():
    from neurogrow.stats.ranks import weighted_midranks

    x, y, w = np.arange(5.0), np.array([2.0, 1.0, 4.0, 3.0, 5.0]), np.ones((1, 5))
    assert weighted_correlation(x, y, w) == pytest.approx(weighted_correlation(x, y, w, "spearman"))
    assert weighted_correlation(x, y, w)[0] == pytest.approx(sps.spearmanr(x, y)[0])
    with pytest.raises(ValueError, match=r"^unknown correlation method 'kendall'$"):
        weighted_correlation(x, y, w, "kendall")
    with pytest.raises(ValueError, match=r"^weights must be \(B, N\)$"):
        weighted_midranks(x, np.ones(5))


def _expanded_midranks(values, counts):
    """Mid-rank of each value in the sample holding counts[i] copies of value i (scipy on the expansion)."""
    ranks = sps.rankdata(np.repeat(values, counts))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.array([ranks[s] if c else np.nan for s, c in zip(starts, counts)])


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("two_d,hinted", [(False, False), (True, False), (True, True)])  # the hint is for 2-D values
def test_weighted_midranks_equal_the_expanded_samples_ranks_exactly(ties, two_d, hinted):
    """Mid-ranks, not ranks up to a shift: the value each sampled entry gets in the expanded
    sample, in the 1-D and 2-D paths, with and without ties (including a tie of the two smallest)."""
    from neurogrow.stats.ranks import weighted_midranks

    rng = np.random.default_rng(4)
    B, N = 6, 8
    w = rng.integers(0, 3, size=(B, N))
    w[:, 0] = w[:, 1] = 1
    base = np.array([1.0, 1.0, 5.0, 2.0, 7.0, 5.0, 3.0, 9.0]) if ties else np.array([1.5, 1.0, 5.0, 2.0, 7.0, 6.0, 3.0, 9.0])
    values = np.tile(base, (B, 1)) + (np.arange(B)[:, None] * (0.0 if ties else 0.01)) if two_d else base
    got = weighted_midranks(values, w, np.argsort(base) if hinted else None)
    for b in range(B):
        want = _expanded_midranks(values[b] if two_d else values, w[b])
        np.testing.assert_array_equal(got[b][w[b] > 0], want[w[b] > 0])
    with pytest.raises(ValueError, match=r"^values must be \(N,\) or the same shape as weights$"):
        weighted_midranks(np.ones((B, N + 1)), w)


def test_check_rejects_anything_but_two_1d_arrays_of_one_length():
    from neurogrow.stats.correlation import pearson

    msg = r"^x and y must be 1-D arrays of the same length$"
    for x, y in ((np.ones((2, 3)), np.ones((2, 3))), (np.ones(3), np.ones(4)), (np.ones((3, 1)), np.ones(3))):
        with pytest.raises(ValueError, match=msg):
            pearson(x, y)
    assert pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)  # lists of ints are fine
