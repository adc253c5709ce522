"""Verdicts decided by a rule fixed before the numbers: CIs of differences, Holm, preconditions.

A finding is judged by a :class:`Rule`: a list of *preconditions* (the runs are fit to answer
the question at all: an accuracy floor, a window that is free to move, halting that varies
across images) and a list of *comparisons*, each an estimated difference in the direction the
claim predicts, with its 95% CI and, where the distribution is known, a two-sided p-value.

The decision, in this order:

1. a precondition failed -> ``inconclusive`` (the reason names each failed precondition);
2. Holm's step-down adjustment across the rule's comparisons that carry a p-value (one family
   per finding); a comparison *supports* the claim when its 95% CI lies entirely on the
   claimed side of 0 and its Holm-adjusted p is below ``alpha``; it *contradicts* the claim
   when its CI lies entirely below the smallest effect of interest ``margin`` on the claimed
   side (with ``margin`` 0: the CI excludes 0 on the wrong side);
3. every comparison supports -> ``reproduced``; any contradicts -> ``not reproduced``;
   otherwise -> ``inconclusive`` (a CI includes 0 but does not exclude the claim).

Point estimates never decide: three means in the claimed order whose CIs of differences
include 0 are ``inconclusive``. The rule's text and every comparison (estimate, CI, p, Holm p,
support) are returned with the verdict so that results.json holds the rule beside it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = [
    "ALPHA",
    "Comparison",
    "Precondition",
    "Rule",
    "bootstrap_comparison",
    "combine",
    "holm",
    "paired_t_comparison",
    "trend_comparison",
]

ALPHA = 0.05
REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values (monotone, capped at 1), in the input order.

    A non-finite or missing p (NaN or None: a test that could not be computed) counts as 1: it stays in the
    family (m includes it) and can never support a claim, instead of borrowing a neighbour's value.
    """
    p = np.asarray(pvalues, dtype=float)
    p = np.where(np.isfinite(p), p, 1.0)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, (m - k) * p[i])
        adj[i] = min(1.0, running)
    return adj


@dataclass
class Comparison:
    """One estimated difference, oriented so that the claim predicts ``direction * estimate > 0``."""

    name: str
    estimate: float
    ci95: tuple[float, float]
    p: float | None = None
    direction: int = 1
    margin: float = 0.0
    detail: str = ""

    def __post_init__(self) -> None:
        if self.direction not in (1, -1):
            raise ValueError(f"comparison {self.name}: direction {self.direction}; expected +1 or -1")
        lo, hi = (float(v) for v in self.ci95)
        if not lo <= hi:
            raise ValueError(f"comparison {self.name}: CI [{lo}, {hi}] is not ordered")
        self.ci95 = (lo, hi)

    def _claim_side(self) -> tuple[float, float]:
        lo, hi = self.ci95
        return (lo, hi) if self.direction == 1 else (-hi, -lo)

    def ci_supports(self) -> bool:
        return self._claim_side()[0] > 0

    def ci_contradicts(self) -> bool:
        return self._claim_side()[1] < self.margin


@dataclass
class Precondition:
    """A condition the runs must meet before the comparisons can answer the question."""

    name: str
    passed: bool
    detail: str


@dataclass
class Rule:
    """A named rule: its text (stored beside the verdict) and ``alpha``."""

    name: str
    text: str
    alpha: float = ALPHA
    comparisons_required: list[str] = field(default_factory=list)
    #: "all": every comparison must support (a conjunction); "any": one supporting comparison is
    #: enough (a union, which is why Holm adjusts across the family) and all must contradict for
    #: "not reproduced"
    mode: str = "all"

    def describe(self) -> dict:
        return {
            "name": self.name,
            "text": self.text,
            "alpha": self.alpha,
            "mode": self.mode,
            "decision": "precondition failed -> inconclusive; else Holm across the comparisons with a p-value; "
            "each comparison supports when its 95% CI lies on the claimed side of 0 and its Holm p < alpha, "
            "contradicts when its CI lies below the smallest effect of interest (margin); all support -> "
            "reproduced; any contradicts -> not reproduced; else inconclusive",
        }

    def decide(
        self, comparisons: list[Comparison], preconditions: Sequence[Precondition] = (), family: Sequence[Comparison] = ()
    ) -> dict:
        """The verdict, its reason, the rule and every comparison with its Holm p and support.

        ``family``: the other comparisons of the same finding (other claims of it), adjusted
        together with these by Holm.
        """
        names = [c.name for c in comparisons]
        missing = [n for n in self.comparisons_required if n not in names]
        if len(set(names)) != len(names):
            raise ValueError(f"rule {self.name}: duplicate comparison names {names}")
        if self.mode == "any" and any(c.p is None for c in comparisons):
            # a union of claims supported on unadjusted CIs would inflate the error rate
            raise ValueError(f"rule {self.name}: mode 'any' needs a p-value for every comparison (Holm)")
        with_p = [i for i, c in enumerate(comparisons) if c.p is not None]
        others = [c.p for c in family if c.p is not None and c not in comparisons]
        adjusted = holm([comparisons[i].p for i in with_p] + others)
        adj = dict(zip(with_p, adjusted[: len(with_p)]))
        table = []
        for i, c in enumerate(comparisons):
            p_holm = adj.get(i)
            supports = c.ci_supports() and (p_holm is None or p_holm < self.alpha)
            row = dict(asdict(c))
            row["ci95"] = [v if np.isfinite(v) else None for v in c.ci95]  # JSON has no infinity
            row.update(p_holm=p_holm, supports=bool(supports), contradicts=bool(c.ci_contradicts()))
            table.append(row)
        failed = [p for p in preconditions if not p.passed]
        out = {
            "rule": {**self.describe(), "holm_family_size": len(with_p) + len(others)},
            "preconditions": [asdict(p) for p in preconditions],
            "comparisons": table,
        }
        if missing:
            out.update(verdict=INCONCLUSIVE, reason=f"comparisons not available: {', '.join(missing)}")
        elif failed:
            out.update(verdict=INCONCLUSIVE, reason="; ".join(f"{p.name}: {p.detail}" for p in failed))
        elif not comparisons:
            out.update(verdict=INCONCLUSIVE, reason="no comparisons")
        elif self.mode == "any" and any(r["supports"] for r in table):
            ok = [r["name"] for r in table if r["supports"]]
            out.update(verdict=REPRODUCED, reason=f"supported (Holm, alpha {self.alpha}) by: {', '.join(ok)}")
        elif self.mode == "any" and all(r["contradicts"] for r in table):
            out.update(verdict=NOT_REPRODUCED, reason="every comparison's CI excludes the claimed effect")
        elif self.mode == "all" and all(r["supports"] for r in table):
            out.update(verdict=REPRODUCED, reason=f"all {len(table)} comparisons support the claim (Holm, alpha {self.alpha})")
        elif self.mode == "all" and any(r["contradicts"] for r in table):
            bad = [r["name"] for r in table if r["contradicts"]]
            out.update(verdict=NOT_REPRODUCED, reason=f"CI excludes the claimed effect: {', '.join(bad)}")
        else:
            weak = [r["name"] for r in table if not r["supports"]]
            out.update(verdict=INCONCLUSIVE, reason=f"CI includes 0 (after Holm) for: {', '.join(weak)}")
        return out


def combine(judgements: dict[str, dict]) -> dict:
    """One verdict from the claims of a finding: reproduced if all are, not reproduced if any is not."""
    verdicts = {k: j["verdict"] for k, j in judgements.items()}

    def reasons(keep) -> str:
        parts: list[str] = []  # each distinct reason once (claims often share a failed precondition)
        for k, v in verdicts.items():
            if keep(v):
                for part in judgements[k]["reason"].split("; "):
                    if part not in parts:
                        parts.append(part)
        return "; ".join(parts)

    if verdicts and all(v == REPRODUCED for v in verdicts.values()):
        verdict, reason = REPRODUCED, "every claim reproduced"
    elif any(v == NOT_REPRODUCED for v in verdicts.values()):
        verdict = NOT_REPRODUCED
        reason = reasons(lambda v: v == NOT_REPRODUCED)
    else:
        verdict = INCONCLUSIVE
        reason = reasons(lambda v: v != REPRODUCED) or "no claims"
    return {"verdict": verdict, "reason": reason, "claims": verdicts,
            "rule": "all claims reproduced -> reproduced; any not reproduced -> not reproduced; else inconclusive"}


def paired_t_comparison(name: str, differences, direction: int = 1, margin: float = 0.0, detail: str = "") -> Comparison:
    """Mean of paired differences (e.g. one per seed) with its t-interval and two-sided t-test p.

    Fewer than two differences give no test: a CI of ``[-inf, inf]`` and ``p = 1``. Differences
    with no spread (every seed moved by exactly the same amount, common for integer measures such
    as layers) have no t-test; they get the exact sign-flip test instead: two-sided
    ``p = 2 * 0.5**n`` for a nonzero mean (1 for a zero one), and the CI is the point where that
    test rejects every other value (``p < 0.05``, n >= 6), else ``[-inf, inf]``. So three seeds
    that each lose exactly one layer are not "certain" (p 0.25), and a verdict never rests on
    identical point estimates.
    """
    from scipy import stats

    d = np.asarray(differences, dtype=float)
    n = d.size
    if n < 2:
        return Comparison(name, float(d.mean()) if n else float("nan"), (-np.inf, np.inf), 1.0, direction, margin,
                          detail or f"n={n}: no interval")
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0:
        p_flip = min(1.0, 2 * 0.5**n) if mean != 0 else 1.0
        ci = (mean, mean) if 2 * 0.5**n < ALPHA else (-np.inf, np.inf)
        return Comparison(name, mean, ci, p_flip, direction, margin,
                          detail or f"n={n}, identical differences: exact sign-flip test")
    se = sd / np.sqrt(n)
    h = stats.t.ppf(0.975, n - 1) * se
    p = float(2 * stats.t.sf(abs(mean) / se, n - 1))
    return Comparison(name, mean, (mean - h, mean + h), p, direction, margin, detail or f"paired t, n={n}")


def bootstrap_comparison(name: str, estimate: float, boot, direction: int = 1, margin: float = 0.0, detail: str = "") -> Comparison:
    """A difference with its percentile 95% CI and a two-sided p from its bootstrap distribution.

    p is the normal (Wald) p of the estimate over the bootstrap standard error, so that it
    resolves below 1/B for the Holm adjustment; the CI is the percentile interval.
    """
    from scipy import stats

    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    lo, hi = np.quantile(b, [0.025, 0.975])
    se = float(b.std(ddof=1)) if b.size > 1 else 0.0
    if not se > 0:  # no spread across resamples (or too few finite ones): no test, never certainty
        return Comparison(name, float(estimate), (-np.inf, np.inf), 1.0, direction, margin,
                          detail or f"bootstrap, {b.size} finite resamples without spread: no test")
    p = float(2 * stats.norm.sf(abs(estimate) / se))
    return Comparison(name, float(estimate), (float(lo), float(hi)), p, direction, margin, detail or f"bootstrap, {b.size} resamples")


def trend_comparison(name: str, x, y, direction: int = 1, margin: float = 0.0, detail: str = "") -> Comparison:
    """OLS slope of ``y`` on ``x`` over independent runs (e.g. seeds x levels) with its t-interval."""
    from scipy import stats

    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 3 or np.ptp(x) == 0:
        return Comparison(name, float("nan"), (-np.inf, np.inf), 1.0, direction, margin, f"n={x.size}: no trend test")
    res = stats.linregress(x, y)
    df = x.size - 2
    if res.stderr == 0 or not np.isfinite(res.stderr):
        # an exact fit has no t-interval; it is reported, not taken as certainty
        return Comparison(name, float(res.slope), (-np.inf, np.inf), 1.0, direction, margin,
                          detail or ("exact fit: no test" if res.slope != 0 else "no variation: no test"))
    h = stats.t.ppf(0.975, df) * res.stderr
    return Comparison(name, float(res.slope), (res.slope - h, res.slope + h), float(res.pvalue), direction, margin,
                      detail or f"OLS slope, n={x.size}")
