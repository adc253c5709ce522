"""Small-sample inference of the crossed mixed model: Satterthwaite df, convergence checks (issue 29)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import statsmodels.api as sm

from neurogrow.stats import fit_mixed
from neurogrow.stats.mixed import LOG_RATIO_BOUNDS, _convergence, _CrossedREML, _design, fit_crossed


def _crossed(n_img: int, n_sub: int, seed: int, slope: float = 0.05, sd_img: float = 0.2, sd_sub: float = 0.15, keep: float = 1.0):
    rng = np.random.default_rng(seed)
    img, sub = np.repeat(np.arange(n_img), n_sub), np.tile(np.arange(n_sub), n_img)
    if keep < 1:
        k = rng.random(img.size) < keep
        img, sub = img[k], sub[k]
    t = rng.gamma(3, 1, n_img)
    y = slope * t[img] + rng.normal(0, sd_img, n_img)[img] + rng.normal(0, sd_sub, n_sub)[sub] + rng.normal(0, 0.2, img.size)
    return y, t, img, sub


@pytest.mark.parametrize("n_img,n_sub,seed", [(12, 6, 0), (5, 12, 0), (3, 6, 4)])
def test_satterthwaite_equals_the_exact_test_on_image_means_in_a_balanced_design(n_img, n_sub, seed):
    # balanced crossed design, image-level predictor: the exact test is OLS on the image means with
    # n_images - 2 df, which Satterthwaite's df reproduce (planted: df = infinity (Wald) -> fails).
    # More subjects than images (the REML's factors swap roles), and 3 images (1 df, the floor).
    y, t, img, sub = _crossed(n_img, n_sub, seed)
    r = fit_crossed(y, t[img], sub, img)
    means = np.array([y[img == i].mean() for i in range(n_img)])
    ols = sm.OLS(means, sm.add_constant(t)).fit()
    assert r["coef"] == pytest.approx(ols.params[1], rel=1e-8)
    assert r["se"] == pytest.approx(ols.bse[1], rel=1e-5)
    assert r["df"] == pytest.approx(n_img - 2.0, abs=1e-3)
    assert r["ci95"] == pytest.approx(list(ols.conf_int()[1]), rel=1e-5)
    assert r["p"] == pytest.approx(ols.pvalues[1], rel=1e-4)
    assert r["p_wald"] < r["p"] and r["converged"] and r["boundary"] == []
    assert r["method"] == (
        "REML, crossed random intercepts from sufficient statistics (neurogrow.stats.mixed.fit_crossed; "
        "equals statsmodels MixedLM with variance components for subject and image); t CI and p with Satterthwaite df"
    )


def test_satterthwaite_interval_covers_with_few_images():
    # planted: the Wald (normal) interval -> coverage about 0.90 with 8 images and this fails
    covered = wald = 0
    for seed in range(150):
        y, t, img, sub = _crossed(8, 5, seed, keep=0.85)
        r = fit_crossed(y, t[img], sub, img)
        covered += r["ci95"][0] <= 0.05 <= r["ci95"][1]
        z = 1.959964 * r["se"]
        wald += r["coef"] - z <= 0.05 <= r["coef"] + z
        assert 1.0 <= r["df"] <= img.size - 2
    assert covered >= 0.93 * 150
    assert wald < covered


def test_unbalanced_satterthwaite_df_lie_between_the_image_count_and_the_trial_count():
    y, t, img, sub = _crossed(30, 8, 3, keep=0.7)
    r = fit_crossed(y, t[img], sub, img)
    assert 20 < r["df"] < 40 and r["converged"]


def _reml(seed: int = 1):
    y, t, img, sub = _crossed(20, 6, seed)
    X = _design(t[img], None)[0].to_numpy()
    return _CrossedREML(y, X, sub, img)


def test_converged_needs_a_small_gradient_not_only_the_optimisers_flag():
    from scipy.optimize import minimize

    reml = _reml()
    res = minimize(reml.objective, np.array([-1.0, -1.0]), method="L-BFGS-B", bounds=[LOG_RATIO_BOUNDS] * 2, options={"ftol": 1e-12, "gtol": 1e-8})
    ok, boundary, free, msgs = _convergence(reml, res)
    assert ok and boundary == [] and free.all() and msgs == []
    early = SimpleNamespace(x=res.x + np.array([0.5, -0.4]), success=True, message="")  # the flag says success, the gradient does not
    ok, _, _, msgs = _convergence(reml, early)
    assert not ok and "gradient" in msgs[0]
    high = SimpleNamespace(x=np.array([LOG_RATIO_BOUNDS[1], res.x[1]]), success=True, message="")
    ok, _, _, msgs = _convergence(reml, high)
    assert not ok and any("upper bound" in m for m in msgs)


def test_a_variance_estimated_as_zero_is_a_boundary_fit():
    y, t, img, sub = _crossed(30, 6, 4, sd_sub=0.0, sd_img=0.0)
    r = fit_crossed(y, t[img], sub, img)
    assert set(r["boundary"]) <= {"subject", "image"}
    if r["boundary"]:
        assert any("boundary (singular) fit" in w for w in r["warnings"]) and r["converged"]
    m = fit_mixed(y, t[img], sub)
    assert m["converged"] and (m["boundary"] == ["subject"]) == (m["subject_sd"] < 1e-3)


def test_fit_mixed_reports_convergence_checked_by_gradient():
    y, t, img, sub = _crossed(30, 6, 5)
    m = fit_mixed(y, t[img], sub)
    assert m["converged"] and m["boundary"] == [] and not any("gradient" in w for w in m["warnings"])


@pytest.mark.parametrize("ni,ns", [(60, 12), (12, 60)])
def test_variance_components_equal_the_anova_estimates_on_a_balanced_design(ni, ns):
    """One trial per subject x image cell: REML equals the two-way ANOVA (moment) estimates when
    they are positive, a closed form independent of the likelihood code. With more subjects than
    images the likelihood eliminates the subjects' factor instead: the same estimates."""
    from neurogrow.stats.mixed import variance_components

    rng = np.random.default_rng(4)
    y = 0.3 + rng.normal(0, 0.5, ni)[:, None] + rng.normal(0, 0.3, ns)[None, :] + rng.normal(0, 0.4, (ni, ns))
    img, subj = np.repeat(np.arange(ni), ns), np.tile(np.arange(ns), ni)
    got = variance_components(y.ravel(), subj, img)
    gm, mi, ms = y.mean(), y.mean(1), y.mean(0)
    mse = ((y - mi[:, None] - ms[None, :] + gm) ** 2).sum() / ((ni - 1) * (ns - 1))
    msa, msb = ns * ((mi - gm) ** 2).sum() / (ni - 1), ni * ((ms - gm) ** 2).sum() / (ns - 1)
    assert set(got) == {"mean", "subject_sd", "image_sd", "residual_sd", "converged"} and got["converged"] is True
    assert got["mean"] == pytest.approx(gm, rel=1e-9)
    assert got["residual_sd"] == pytest.approx(np.sqrt(mse), rel=1e-5)
    assert got["image_sd"] == pytest.approx(np.sqrt((msa - mse) / ns), rel=1e-5)
    assert got["subject_sd"] == pytest.approx(np.sqrt((msb - mse) / ni), rel=1e-5)


def test_fit_mixed_formula_and_any_category_names():
    """Category labels are only labels: names that clash with the design's own columns change nothing."""
    rng = np.random.default_rng(9)
    n_s, n_i = 8, 30
    subj, img = np.repeat(np.arange(n_s), n_i), np.tile(np.arange(n_i), n_s)
    t = rng.gamma(2.0, 1.0, n_i)[img]
    cat = np.array(["a", "b", "c"])[img % 3]
    y = 0.1 * t + 0.3 * (img % 3) + rng.normal(0, 0.3, n_s)[subj] + rng.normal(0, 0.2, subj.size)
    plain = fit_mixed(y, t, subj)
    assert plain["formula"] == "log_rt ~ model_time + (1 | subject)"
    named = fit_mixed(y, t, subj, cat)
    assert named["formula"] == "log_rt ~ model_time + C(category) + (1 | subject)"
    clash = fit_mixed(y, t, subj, np.array(["Intercept", "model_time", "category_b"])[img % 3])
    assert clash["coef"] == pytest.approx(named["coef"], rel=1e-6) and clash["se"] == pytest.approx(named["se"], rel=1e-6)
    as_int = fit_mixed(y, t, subj, img % 3)
    assert as_int["coef"] == pytest.approx(named["coef"], rel=1e-6)


def _subject_design(seed=10, subject_sd=0.3):
    rng = np.random.default_rng(seed)
    subj = np.repeat(np.arange(6), 20)
    t = rng.gamma(2.0, 1.0, subj.size)
    y = 0.1 * t + rng.normal(0, subject_sd, 6)[subj] + rng.normal(0, 0.2, subj.size)
    return y, t, subj


def test_fit_mixed_falls_back_to_statsmodels_start_and_stays_reml(monkeypatch):
    y, t, subj = _subject_design()
    want = fit_mixed(y, t, subj)
    fit = sm.MixedLM.fit

    def refuse_start(self, *args, **kwargs):
        if "start_params" in kwargs:
            raise np.linalg.LinAlgError("singular start")
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(sm.MixedLM, "fit", refuse_start)
    got = fit_mixed(y, t, subj)
    assert got["coef"] == pytest.approx(want["coef"], rel=1e-5) and got["se"] == pytest.approx(want["se"], rel=1e-4)
    assert got["residual_sd"] == pytest.approx(want["residual_sd"], rel=1e-4)  # REML, not ML (which shrinks it)
    assert got["n_subjects"] == 6 and got["n_trials"] == 120


def test_fit_mixed_reports_statsmodels_warnings():
    y, t, subj = _subject_design(subject_sd=0.0)  # no subject variance: a boundary fit
    got = fit_mixed(y, t, subj)
    assert got["warnings"] and all(isinstance(w, str) and w != "None" for w in got["warnings"])
    assert any("boundary" in w.lower() for w in got["warnings"])


def test_within_rows_unknown_method():
    from neurogrow.stats.partial import within_rows

    with pytest.raises(ValueError, match=r"^unknown within-category method 'median'$"):
        within_rows(np.arange(4.0), np.arange(4.0), np.array([0, 0, 1, 1]), np.ones((1, 4)), "median")


# --- the subject-only model: REML from its definition, convergence checks, the output (mutation testing)
def _direct_neg2_reml(y, X, groups, gamma):
    """-2 REML log-likelihood (residual variance profiled out, up to a constant) from the full
    covariance V0 = I + gamma * Z Z', written out without the group sufficient statistics."""
    Z = (groups[:, None] == np.unique(groups)[None, :]).astype(float)
    V0 = np.eye(y.size) + gamma * Z @ Z.T
    Vi = np.linalg.inv(V0)
    A = X.T @ Vi @ X
    beta = np.linalg.solve(A, X.T @ Vi @ y)
    r = y - X @ beta
    n, p = X.shape
    return (n - p) * np.log(r @ Vi @ r) + np.linalg.slogdet(V0)[1] + np.linalg.slogdet(A)[1], beta


def _small_design():
    rng = np.random.default_rng(12)
    groups = np.repeat(np.arange(7), [3, 5, 4, 6, 2, 5, 4])
    t = rng.normal(size=groups.size)
    y = 0.4 * t + rng.normal(0, 0.5, 7)[groups] + rng.normal(0, 0.4, groups.size)
    return y, np.column_stack([np.ones(groups.size), t]), groups


def test_reml_random_intercept_is_the_reml_optimum_to_high_precision():
    from scipy.optimize import minimize_scalar

    from neurogrow.stats.mixed import reml_random_intercept

    y, X, groups = _small_design()
    best = minimize_scalar(lambda lg: _direct_neg2_reml(y, X, groups, np.exp(lg))[0], bounds=(-10, 5), method="bounded", options={"xatol": 1e-12})
    beta, gam = reml_random_intercept(y, X, groups)
    assert gam == pytest.approx(np.exp(best.x), rel=1e-6)
    np.testing.assert_allclose(beta, _direct_neg2_reml(y, X, groups, np.exp(best.x))[1], rtol=1e-7)


def test_random_intercept_convergence_checks():
    from neurogrow.stats.mixed import GRADIENT_TOL, _random_intercept_convergence, reml_random_intercept

    y, X, groups = _small_design()
    edge = np.exp(-18.0)
    note = ["boundary (singular) fit: subject variance estimated as 0"]
    for gamma in (np.nan, edge, edge * (1 + 1e-3), edge * 1.0005):
        assert _random_intercept_convergence(y, X, groups, gamma, True) == (True, ["subject"], note)
    assert _random_intercept_convergence(y, X, groups, edge, False) == (False, ["subject"], note)
    _, gam = reml_random_intercept(y, X, groups)
    assert _random_intercept_convergence(y, X, groups, gam, True) == (True, [], [])
    assert _random_intercept_convergence(y, X, groups, gam, False) == (False, [], [])
    assert _random_intercept_convergence(y, X, groups, edge * 1.5, True)[1] == []  # just above the boundary: not on it
    far = 3.0 * gam  # the derivative of -2 REML in log gamma, by a central difference of the direct formula
    h = 1e-4
    grad = (_direct_neg2_reml(y, X, groups, far * np.exp(h))[0] - _direct_neg2_reml(y, X, groups, far * np.exp(-h))[0]) / (2 * h)
    assert abs(grad) > GRADIENT_TOL
    ok, boundary, notes = _random_intercept_convergence(y, X, groups, far, True)
    assert (ok, boundary) == (False, []) and notes == [f"REML gradient {grad:.2g} (|.| > 0.001) at statsmodels' stop"]


def test_fit_mixed_output_exactly():
    y, t, subj = _subject_design()
    got = fit_mixed(y, t, subj)
    exog = np.column_stack([np.ones(t.size), t - t.mean()])
    ref = sm.MixedLM(y, exog, groups=subj).fit(reml=True)
    assert list(got) == ["coef", "se", "ci95", "p", "n_trials", "n_subjects", "formula", "subject_sd", "residual_sd",
                         "converged", "boundary", "method", "warnings"]
    assert got["coef"] == pytest.approx(ref.fe_params[1], rel=1e-5) and got["se"] == pytest.approx(ref.bse_fe[1], rel=1e-4)
    assert got["ci95"] == pytest.approx(list(ref.conf_int()[1]), rel=1e-4) and got["p"] == pytest.approx(ref.pvalues[1], rel=1e-3)
    assert (got["n_trials"], got["n_subjects"], got["converged"], got["boundary"]) == (120, 6, True, [])
    assert got["method"] == "statsmodels MixedLM, REML (started at the profile-REML optimum); Wald CI and p"


def test_reml_random_intercept_is_scale_free():
    """gamma is a ratio of variances: the same for log RTs in any unit (small residual sums too)."""
    from neurogrow.stats.mixed import reml_random_intercept

    y, X, groups = _small_design()
    beta, gam = reml_random_intercept(y, X, groups)
    beta_s, gam_s = reml_random_intercept(0.01 * y, X, groups)
    assert gam_s == pytest.approx(gam, rel=1e-6)
    np.testing.assert_allclose(beta_s, 0.01 * beta, rtol=1e-6)


def test_fit_mixed_reports_statsmodels_non_convergence(monkeypatch):
    y, t, subj = _subject_design()
    fit = sm.MixedLM.fit

    def unconverged(self, *args, **kwargs):
        res = fit(self, *args, **kwargs)
        res.converged = False
        return res

    monkeypatch.setattr(sm.MixedLM, "fit", unconverged)
    got = fit_mixed(y, t, subj)
    assert got["converged"] is False and got["boundary"] == [] and got["warnings"] == []


def test_reml_objective_is_infinite_for_an_exact_fit():
    """Q = 0 (no residual: y in the span of X) has no likelihood: the search must see +inf, not
    fail on log(0)."""
    from neurogrow.stats.mixed import _random_intercept_reml

    X = np.column_stack([np.ones(6), np.arange(6.0)])
    nll, parts = _random_intercept_reml(np.zeros(6), X, np.array([0, 0, 1, 1, 2, 2]))
    assert parts(0.0)[3] == 0.0
    assert nll(0.0) == np.inf and nll(-3.0) == np.inf
    nll, _ = _random_intercept_reml(np.array([0.1, -0.2, 0.3, 0.0, 0.5, -0.1]), X, np.array([0, 0, 1, 1, 2, 2]))
    assert np.isfinite(nll(0.0))
