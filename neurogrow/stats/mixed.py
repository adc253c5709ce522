"""Linear mixed models of per-trial log RT.

:func:`fit_crossed` (the default of compare-rt): ``log_rt ~ model_time + C(category) + (1 | subject)
+ (1 | image)``, crossed random intercepts, by REML from sufficient statistics (below).
:func:`fit_mixed` (reported beside it): ``log_rt ~ model_time + C(category) + (1 | subject)``.

The crossed model is fitted by this package's own REML (:class:`_CrossedREML`: the restricted
likelihood from sufficient statistics, the two variance ratios found by L-BFGS-B; t CI and
p-value with Satterthwaite degrees of freedom), not by statsmodels: it is the model statsmodels
fits as ``MixedLM`` with one group and variance components for subject and image (tested to
agree), in seconds instead of hours.

The subject-only model is fitted with :class:`statsmodels.regression.mixed_linear_model.MixedLM`
(REML).  The model-time predictor is centred before fitting (the slope is unchanged; the fit is
better conditioned), and the optimiser starts from the REML optimum found by
:func:`reml_random_intercept` (a 1-D search over the variance ratio using group sufficient
statistics), so that statsmodels only confirms it in one or two iterations instead of searching
from its default start (about 5x faster at 500,000 trials, and tighter: statsmodels' default start
stops early on the flat variance direction).  Its reported estimates are statsmodels' either way.

Caveat of the subject-only model: it has no random intercept for images, so the p-value of an
image-level predictor such as model time is anti-conservative when images differ beyond what
model time explains; the crossed model is the one to cite.

:func:`variance_components` fits the crossed model without a predictor: the subject, image and
residual SDs that :mod:`neurogrow.rt.power` simulates experiments from.

Longer than 400 lines because the crossed REML is one derivation: the likelihood, its search, the
convergence checks, the Satterthwaite degrees of freedom and the variance components all use
:class:`_CrossedREML`'s sufficient statistics, and splitting them would export its internals.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

__all__ = ["fit_crossed", "fit_mixed", "reml_random_intercept", "variance_components"]


def reml_random_intercept(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, float]:
    """REML estimates of a random-intercept model from group sufficient statistics.

    With ``V_g = s2 (I + gamma 11')`` the REML log-likelihood, with ``s2`` profiled out, depends on
    the data only through ``X'X``, ``X'y``, ``y'y`` and each group's size and column sums, so it
    is maximised over ``gamma`` by a 1-D bounded search in milliseconds.  Returns the GLS fixed
    effects and ``gamma`` (= random-intercept variance / residual variance).
    """
    from scipy.optimize import minimize_scalar

    nll, parts = _random_intercept_reml(y, X, groups)
    res = minimize_scalar(nll, bounds=(-18.0, 8.0), method="bounded", options={"xatol": 1e-8})
    gam, _, beta, _ = parts(float(res.x))
    return beta, gam


def _random_intercept_reml(y: np.ndarray, X: np.ndarray, groups: np.ndarray):
    """(nll, parts) of a random-intercept model: -REML log-likelihood (residual variance profiled
    out, up to a constant) as a function of log gamma, and its pieces (gamma, A, beta, Q)."""
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

    return nll, parts


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
    converged, boundary, notes = _random_intercept_convergence(y, X, groups, cov_re / float(res.scale), bool(getattr(res, "converged", True)))
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
        "converged": converged,
        "boundary": boundary,
        "method": "statsmodels MixedLM, REML (started at the profile-REML optimum); Wald CI and p",
        "warnings": caught + notes,
    }


def _random_intercept_convergence(y, X, groups, gamma: float, flag: bool) -> tuple[bool, list[str], list[str]]:
    """(converged, boundary, messages) of a subject-only fit whose variance ratio is ``gamma``:
    statsmodels' flag, and the derivative of the profiled REML criterion in log gamma below
    ``GRADIENT_TOL`` unless gamma is on the boundary (subject variance estimated as 0)."""
    if not np.isfinite(gamma) or gamma <= math.exp(-18.0) * (1 + 1e-3):
        return flag, ["subject"], ["boundary (singular) fit: subject variance estimated as 0"]
    nll = _random_intercept_reml(y, X, groups)[0]
    h, lg = 1e-5, math.log(gamma)
    grad = 2 * (nll(lg + h) - nll(lg - h)) / (2 * h)  # on the -2 log-likelihood scale, as fit_crossed's
    notes = [] if abs(grad) <= GRADIENT_TOL else [f"REML gradient {grad:.2g} (|.| > {GRADIENT_TOL:g}) at statsmodels' stop"]
    return flag and not notes, [], notes


# --------------------------------------------------------------------------- crossed random intercepts


def _design(model_time: np.ndarray, category: np.ndarray | None) -> tuple[pd.DataFrame, str]:
    """Fixed effects: intercept, centred model time, category dummies (first level dropped)."""
    t = np.asarray(model_time, dtype=float)
    cols = {"Intercept": np.ones(t.size), "model_time": t - t.mean()}
    formula = "log_rt ~ model_time"
    if category is not None:
        cat = pd.Categorical(np.asarray(category).astype(str))
        dummies = pd.get_dummies(cat, prefix="category", drop_first=True, dtype=float)
        for c in dummies.columns:
            cols[c] = dummies[c].to_numpy()
        formula += " + C(category)"
    return pd.DataFrame(cols), formula


class _CrossedREML:
    """Profile REML of ``y = X b + u_subject + u_image + e`` from sufficient statistics.

    With ``H = I + Z G Z'`` (``G`` the variance ratios to the residual variance) the REML
    log-likelihood, with the residual variance profiled out, needs only ``X'X, X'y, y'y`` and
    ``Z'X, Z'y, Z'Z``; ``H^-1 = I - Z C^-1 Z'`` with ``C = G^-1 + Z'Z`` (Woodbury) and
    ``|H| = |G| |C|``.  ``C`` is solved by eliminating the larger factor (its block of ``C`` is
    diagonal) and a dense Cholesky of the smaller factor's Schur complement: one evaluation
    costs O(a^2 d) for a subjects and d images, milliseconds at 10 x 1,280.
    """

    def __init__(self, y: np.ndarray, X: np.ndarray, subject: np.ndarray, image: np.ndarray):
        import scipy.sparse as sps

        s = pd.factorize(np.asarray(subject))[0]
        i = pd.factorize(np.asarray(image))[0]
        n_s, n_i = int(s.max()) + 1, int(i.max()) + 1
        # the smaller factor is dense ("a"), the larger diagonal ("d")
        self.swap = n_s > n_i
        a, d = (i, s) if self.swap else (s, i)
        self.na_levels, self.nd_levels = int(a.max()) + 1, int(d.max()) + 1
        self.n, self.p = X.shape
        R = np.column_stack([X, y])  # (n, p + 1)
        self.RtR = R.T @ R
        Za = sps.csr_matrix((np.ones(self.n), (a, np.arange(self.n))), shape=(self.na_levels, self.n))
        Zd = sps.csr_matrix((np.ones(self.n), (d, np.arange(self.n))), shape=(self.nd_levels, self.n))
        self.ZaR = np.asarray(Za @ R)
        self.ZdR = np.asarray(Zd @ R)
        self.count_a = np.asarray(Za.sum(axis=1)).ravel()
        self.count_d = np.asarray(Zd.sum(axis=1)).ravel()
        self.N = (Za @ Zd.T).tocsr()  # (a, d) trial counts

    def ratios(self, theta: np.ndarray) -> tuple[float, float]:
        """(subject, image) variance ratios from log ratios ``theta`` = (log g_subject, log g_image)."""
        return float(np.exp(theta[0])), float(np.exp(theta[1]))

    def parts(self, theta: np.ndarray):
        g_s, g_i = self.ratios(theta)
        g_a, g_d = (g_i, g_s) if self.swap else (g_s, g_i)
        Dd = 1.0 / g_d + self.count_d
        ND = self.N.multiply(1.0 / Dd[None, :]).tocsr()
        M = np.diag(1.0 / g_a + self.count_a) - np.asarray((ND @ self.N.T).todense())
        L = np.linalg.cholesky(M)
        rhs_a = self.ZaR - ND @ self.ZdR
        ya = np.linalg.solve(L.T, np.linalg.solve(L, rhs_a))
        yd = (self.ZdR - self.N.T @ ya) / Dd[:, None]
        RHR = self.RtR - (self.ZaR.T @ ya + self.ZdR.T @ yd)  # R' H^-1 R
        logdet_H = self.na_levels * math.log(g_a) + self.nd_levels * math.log(g_d) + float(np.log(Dd).sum()) + 2.0 * float(np.log(np.diag(L)).sum())
        p = self.p
        XHX, XHy, yHy = RHR[:p, :p], RHR[:p, p], float(RHR[p, p])
        beta = np.linalg.solve(XHX, XHy)
        Q = yHy - float(XHy @ beta)
        return beta, Q, XHX, logdet_H

    def full_objective(self, psi: np.ndarray) -> float:
        """-2 x REML log-likelihood (up to a constant) of the log variances ``psi`` = (subject, image, residual)."""
        theta = np.array([psi[0] - psi[2], psi[1] - psi[2]])
        _, Q, XHX, logdet_H = self.parts(theta)
        return (self.n - self.p) * psi[2] + logdet_H + float(np.linalg.slogdet(XHX)[1]) + Q / math.exp(psi[2])

    def coef_variance(self, psi: np.ndarray, k: int) -> float:
        """Variance of the GLS estimate of fixed effect ``k`` when the log variances are ``psi``."""
        theta = np.array([psi[0] - psi[2], psi[1] - psi[2]])
        XHX = self.parts(theta)[2]
        return math.exp(psi[2]) * float(np.linalg.inv(XHX)[k, k])

    def objective(self, theta: np.ndarray) -> float:
        """-2 x REML log-likelihood (up to a constant), residual variance profiled out."""
        try:
            _, Q, XHX, logdet_H = self.parts(theta)
        except np.linalg.LinAlgError:
            return np.inf
        if Q <= 0:
            return np.inf
        return (self.n - self.p) * math.log(Q) + logdet_H + float(np.linalg.slogdet(XHX)[1])


#: Bounds of the log variance ratios in the REML search (exp(-20) is a variance ratio of 2e-9: zero).
LOG_RATIO_BOUNDS = (-20.0, 8.0)
#: A log variance ratio within this distance of a bound is on the boundary.
BOUNDARY_TOL = 1e-3
#: Largest norm of the (projected) gradient of -2 REML log-likelihood over the log ratios at a converged fit.
GRADIENT_TOL = 1e-3


def satterthwaite_df(reml: _CrossedREML, theta: np.ndarray, s2: float, k: int, free: np.ndarray, step: float = 1e-4) -> float:
    """Satterthwaite degrees of freedom of fixed effect ``k`` (as lmerTest computes them).

    ``df = 2 V^2 / (g' A g)`` with ``V`` the estimate's variance as a function of the variance
    parameters (here their logs ``psi`` = log subject, image and residual variances), ``g`` its
    gradient and ``A = 2 H^-1`` their asymptotic covariance, ``H`` the Hessian of -2 x REML
    log-likelihood; both by central differences.  Components on the boundary (``free`` False: a
    variance estimated at 0) are held fixed.  Clipped to [1, n - p].
    """
    psi0 = np.r_[theta + math.log(s2), math.log(s2)]
    idx = np.flatnonzero(np.r_[free, True])
    m = idx.size

    def at(delta: np.ndarray) -> np.ndarray:
        psi = psi0.copy()
        psi[idx] += delta
        return psi

    eye = np.eye(m) * step
    f0 = reml.full_objective(psi0)
    hess = np.empty((m, m))
    for a in range(m):
        for b in range(a, m):
            if a == b:
                hess[a, a] = (reml.full_objective(at(eye[a])) - 2 * f0 + reml.full_objective(at(-eye[a]))) / step**2
            else:
                pp, pm = reml.full_objective(at(eye[a] + eye[b])), reml.full_objective(at(eye[a] - eye[b]))
                mp, mm = reml.full_objective(at(-eye[a] + eye[b])), reml.full_objective(at(-eye[a] - eye[b]))
                hess[a, b] = hess[b, a] = (pp - pm - mp + mm) / (4 * step**2)
    grad = np.array([(reml.coef_variance(at(eye[a]), k) - reml.coef_variance(at(-eye[a]), k)) / (2 * step) for a in range(m)])
    v = reml.coef_variance(psi0, k)
    denom = float(grad @ (2.0 * np.linalg.solve(hess, grad)))
    n_p = reml.n - reml.p
    if not np.isfinite(denom) or denom <= 0:
        return float(n_p)
    return float(np.clip(2.0 * v * v / denom, 1.0, n_p))


def _convergence(reml: _CrossedREML, res) -> tuple[bool, list[str], np.ndarray, list[str]]:
    """(converged, boundary components, which log ratios are free, messages) of an L-BFGS-B REML fit.

    Converged: the optimiser reports success, the projected gradient of -2 REML log-likelihood is
    below ``GRADIENT_TOL`` (a component at its lower bound may point outwards: that variance is
    estimated as 0, a boundary fit), and no ratio sits at its upper bound (an artificial limit).
    """
    names = ("subject", "image")
    x = np.asarray(res.x, dtype=float)
    h = 1e-5
    grad = np.array([(reml.objective(x + h * e) - reml.objective(x - h * e)) / (2 * h) for e in np.eye(2)])
    at_low = x <= LOG_RATIO_BOUNDS[0] + BOUNDARY_TOL
    at_high = x >= LOG_RATIO_BOUNDS[1] - BOUNDARY_TOL
    projected = np.where(at_low & (grad > 0), 0.0, grad)
    gnorm = float(np.linalg.norm(projected))
    messages = [] if res.success else [str(res.message)]
    if gnorm > GRADIENT_TOL:
        messages.append(f"REML gradient norm {gnorm:.2g} > {GRADIENT_TOL:g} at the optimiser's stop")
    if at_high.any():
        messages.append(f"variance ratio at its upper bound exp({LOG_RATIO_BOUNDS[1]:g}) for {', '.join(n for n, b in zip(names, at_high) if b)}")
    boundary = [n for n, b in zip(names, at_low) if b]
    if boundary:
        messages.append(f"boundary (singular) fit: {', '.join(boundary)} variance estimated as 0")
    converged = bool(res.success) and gnorm <= GRADIENT_TOL and not at_high.any()
    return converged, boundary, ~at_low, messages


def _fit_ratios(reml: _CrossedREML):
    """L-BFGS-B search of the log variance ratios from the best point of a coarse grid.

    The objective is searched relative to its value at the start: L-BFGS-B stops when the
    *relative* reduction of f falls below ``ftol``, and -2 REML log-likelihood is in the tens of
    thousands at 10,000 trials, where that stop came before the gradient was small (a gradient
    norm of 1.1e-3 on 400 images x 30 subjects).
    """
    from scipy.optimize import minimize

    grid = [np.array([a, b]) for a in (-6.0, -2.0, 0.0) for b in (-6.0, -2.0, 0.0)]
    start = min(grid, key=reml.objective)
    f0 = reml.objective(start)
    res = minimize(lambda th: reml.objective(th) - f0, start, method="L-BFGS-B", bounds=[LOG_RATIO_BOUNDS] * 2,
                   options={"ftol": 1e-12, "gtol": 1e-8})
    res.fun = float(res.fun) + f0
    return res


def fit_crossed(
    log_rt: np.ndarray,
    model_time: np.ndarray,
    subject: np.ndarray,
    image: np.ndarray,
    category: np.ndarray | None = None,
) -> dict:
    """``log_rt ~ model_time (+ C(category)) + (1 | subject) + (1 | image)`` by REML.

    The model statsmodels fits as ``MixedLM`` with one group and variance components for subject
    and image (tested to agree), computed from sufficient statistics (:class:`_CrossedREML`):
    seconds instead of hours at 12,800 trials.  The variance ratios are found by L-BFGS-B on
    their logs from a grid start; the slope's standard error is ``sqrt(s2 [(X'H^-1 X)^-1]_tt)``.
    Its CI and p-value use a t distribution with Satterthwaite degrees of freedom
    (:func:`satterthwaite_df`; ``df``), the small-sample correction of lmerTest: with few images
    the Wald (normal) interval that statsmodels reports is too narrow (an image-level predictor
    has about n_images - p degrees of freedom, not infinitely many).  ``p_wald`` keeps the normal p.
    ``converged`` is True only when the optimiser succeeded, the projected REML gradient is below
    ``GRADIENT_TOL`` and no variance ratio sits at its artificial upper bound; ``boundary`` names
    the variance components estimated as 0 (a singular fit, also in ``warnings``).
    """
    from scipy.stats import norm
    from scipy.stats import t as student_t

    y = np.asarray(log_rt, dtype=float)
    exog, formula = _design(model_time, category)
    formula += " + (1 | subject) + (1 | image)"
    X = exog.to_numpy()
    reml = _CrossedREML(y, X, subject, image)
    res = _fit_ratios(reml)
    beta, Q, XHX, _ = reml.parts(res.x)
    n, p = X.shape
    s2 = Q / (n - p)
    cov = s2 * np.linalg.inv(XHX)
    k = list(exog.columns).index("model_time")
    coef, se = float(beta[k]), float(math.sqrt(cov[k, k]))
    converged, boundary, free, messages = _convergence(reml, res)
    df = satterthwaite_df(reml, np.asarray(res.x, dtype=float), s2, k, free)
    q = float(student_t.ppf(0.975, df))
    g_s, g_i = reml.ratios(res.x)
    return {
        "coef": coef,
        "se": se,
        "df": df,
        "ci95": [coef - q * se, coef + q * se],
        "p": float(2 * student_t.sf(abs(coef / se), df)),
        "p_wald": float(2 * norm.sf(abs(coef / se))),
        "n_trials": int(n),
        "n_subjects": len(np.unique(np.asarray(subject))),
        "n_images": len(np.unique(np.asarray(image))),
        "formula": formula,
        "subject_sd": float(math.sqrt(g_s * s2)),
        "image_sd": float(math.sqrt(g_i * s2)),
        "residual_sd": float(math.sqrt(s2)),
        "converged": converged,
        "boundary": boundary,
        "method": "REML, crossed random intercepts from sufficient statistics (neurogrow.stats.mixed.fit_crossed; "
        "equals statsmodels MixedLM with variance components for subject and image); t CI and p with Satterthwaite df",
        "warnings": messages,
    }


def variance_components(log_rt: np.ndarray, subject: np.ndarray, image: np.ndarray) -> dict:
    """REML variance components of ``log_rt ~ 1 + (1 | subject) + (1 | image)``.

    The intercept-only crossed model of :func:`fit_crossed` (same likelihood, same search):
    ``{"mean", "subject_sd", "image_sd", "residual_sd", "converged"}``. The components a power
    simulation of a per-trial design draws from (:mod:`neurogrow.rt.power`).
    """
    y = np.asarray(log_rt, dtype=float)
    X = np.ones((y.size, 1))
    reml = _CrossedREML(y, X, subject, image)
    res = _fit_ratios(reml)
    beta, Q, _, _ = reml.parts(res.x)
    s2 = Q / (y.size - 1)
    g_s, g_i = reml.ratios(res.x)
    converged = _convergence(reml, res)[0]
    return {"mean": float(beta[0]), "subject_sd": float(math.sqrt(g_s * s2)), "image_sd": float(math.sqrt(g_i * s2)),
            "residual_sd": float(math.sqrt(s2)), "converged": bool(converged)}
