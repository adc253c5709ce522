"""Linear mixed model of per-trial log RT: ``log_rt ~ model_time + C(category) + (1 | subject)``.

Fitted with :class:`statsmodels.regression.mixed_linear_model.MixedLM` (REML).  The model-time
predictor is centred before fitting (the slope is unchanged; the fit is better conditioned), and
the optimiser starts from the REML optimum found by :func:`reml_random_intercept` (a 1-D search
over the variance ratio using group sufficient statistics), so that statsmodels only confirms it
in one or two iterations instead of searching from its default start (about 5x faster at 500,000
trials, and tighter: statsmodels' default start stops early on the flat variance direction).
The reported estimates are statsmodels' either way.

Caveat (stated in every report): the model has no random intercept for images, so the p-value of
an image-level predictor such as model time is anti-conservative when images differ beyond what
model time explains; the image-level Spearman with its bootstrap CI is the primary statistic.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

__all__ = ["fit_mixed", "reml_random_intercept"]


def reml_random_intercept(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, float]:
    """REML estimates of a random-intercept model from group sufficient statistics.

    With ``V_g = s2 (I + gamma 11')`` the REML log-likelihood, with ``s2`` profiled out, depends on
    the data only through ``X'X``, ``X'y``, ``y'y`` and each group's size and column sums, so it
    is maximised over ``gamma`` by a 1-D bounded search in milliseconds.  Returns the GLS fixed
    effects and ``gamma`` (= random-intercept variance / residual variance).
    """
    from scipy.optimize import minimize_scalar

    n, p = X.shape
    g = np.asarray(groups, dtype=np.intp)
    n_g = np.bincount(g).astype(float)
    S = np.zeros((n_g.size, p))
    np.add.at(S, g, X)
    T = np.bincount(g, weights=y, minlength=n_g.size)
    XtX, Xty, yty = X.T @ X, X.T @ y, float(y @ y)

    def parts(log_gamma: float):
        gam = math.exp(log_gamma)
        c = gam / (1.0 + n_g * gam)
        Sc = S * c[:, None]
        A = XtX - Sc.T @ S
        b = Xty - Sc.T @ T
        beta = np.linalg.solve(A, b)
        Q = yty - float((c * T * T).sum()) - float(b @ beta)
        return gam, A, beta, Q

    def nll(log_gamma: float) -> float:
        gam, A, _, Q = parts(log_gamma)
        if Q <= 0:
            return np.inf
        return 0.5 * ((n - p) * math.log(Q) + float(np.log1p(n_g * gam).sum()) + float(np.linalg.slogdet(A)[1]))

    res = minimize_scalar(nll, bounds=(-18.0, 8.0), method="bounded", options={"xatol": 1e-8})
    gam, _, beta, _ = parts(float(res.x))
    return beta, gam


def fit_mixed(
    log_rt: np.ndarray,
    model_time: np.ndarray,
    subject: np.ndarray,
    category: np.ndarray | None = None,
) -> dict:
    """Fit the mixed model; returns the model-time slope with its Wald 95% CI and p-value.

    Keys: ``coef``, ``se``, ``ci95``, ``p``, ``n_trials``, ``n_subjects``, ``formula``,
    ``subject_sd`` (random intercept SD), ``residual_sd``, ``converged``, ``warnings``.
    """
    import statsmodels.api as sm

    y = np.asarray(log_rt, dtype=float)
    t = np.asarray(model_time, dtype=float)
    groups = pd.factorize(np.asarray(subject))[0]
    n = y.size
    cols = {"Intercept": np.ones(n), "model_time": t - t.mean()}
    formula = "log_rt ~ model_time + (1 | subject)"
    if category is not None:
        cat = pd.Categorical(np.asarray(category).astype(str))
        dummies = pd.get_dummies(cat, prefix="category", drop_first=True, dtype=float)
        for c in dummies.columns:
            cols[c] = dummies[c].to_numpy()
        formula = "log_rt ~ model_time + C(category) + (1 | subject)"
    exog = pd.DataFrame(cols)
    n_subj = int(groups.max()) + 1 if n else 0

    X = exog.to_numpy()
    beta, gamma = reml_random_intercept(y, X, groups)
    model = sm.MixedLM(y, exog, groups=groups)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        # packed parameters: fixed effects, then the Cholesky factor of cov_re / scale
        start = np.r_[beta, np.sqrt(max(gamma, 1e-8))]
        try:
            res = model.fit(reml=True, start_params=start)
        except (np.linalg.LinAlgError, ValueError):  # fall back to statsmodels' default start
            res = model.fit(reml=True)
        caught = sorted({str(x.message).splitlines()[0] for x in w})
    idx = list(exog.columns).index("model_time")
    coef = float(res.fe_params.iloc[idx])
    se = float(res.bse_fe.iloc[idx])
    ci = res.conf_int().iloc[idx].to_numpy(dtype=float)
    p = float(res.pvalues.iloc[idx])
    cov_re = float(np.asarray(res.cov_re)[0, 0])
    return {
        "coef": coef,
        "se": se,
        "ci95": [float(ci[0]), float(ci[1])],
        "p": p,
        "n_trials": int(n),
        "n_subjects": n_subj,
        "formula": formula,
        "subject_sd": float(np.sqrt(max(cov_re, 0.0))),
        "residual_sd": float(np.sqrt(res.scale)),
        "converged": bool(getattr(res, "converged", True)),
        "method": "statsmodels MixedLM, REML (started at the profile-REML optimum)",
        "warnings": caught,
    }
