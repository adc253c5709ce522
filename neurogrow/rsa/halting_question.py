"""The halting-step question of ``compare_rsa``: is the geometry at each image's exit step closer
to the humans' than at step 1 and at the last step?"""
from __future__ import annotations

import math

import numpy as np

from neurogrow.rsa.compare import Evaluation, paired_difference
from neurogrow.rsa.model_rdms import HALT

__all__ = ["finite_or_none", "halting_question"]


def finite_or_none(x) -> float | None:
    """``x`` as a float, or None when it is missing or not finite (JSON has no NaN)."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


#: The verdict on a difference without a bootstrap CI (``n_boot`` = 0, or every resample failed).
UNDETERMINED = "undetermined (no CI)"


def _verdict(d: dict) -> str:
    """``higher`` / ``lower`` (95 % CI above / below zero), ``no clear difference``, or
    :data:`UNDETERMINED` without a CI: a point estimate alone decides nothing."""
    lo, hi = d["ci95"]
    if lo is None:
        return UNDETERMINED
    if lo > 0:
        return "higher"
    if hi < 0:
        return "lower"
    return "no clear difference"


def halting_question(ev: Evaluation, rdms, steps: int) -> dict:
    """Does the geometry at each image's exit step match humans better than at step 1 and at step T?

    For every layer (and the model's confusions, when present) the similarity at the exit step
    minus that at step 1 and at the last step, with bootstrap CIs from the same rsatoolbox samples;
    and the same averaged over the layers' pattern RDMs (the headline).

    The answer (and ``better_than_both``) is decided on the CIs of the two mean differences only:
    "yes" (True) when both are above zero; "no" (False) when either has a CI that is not above
    zero; "undetermined (no CI)" (None) otherwise, i.e. when a difference has no CI (no bootstrap,
    or no valid resample) and the other does not already rule out "yes".
    """
    layer = np.asarray(rdms.rdm_descriptors["layer"]).astype(str)
    step = np.asarray(rdms.rdm_descriptors["step"]).astype(str)
    kind = np.asarray(rdms.rdm_descriptors["kind"]).astype(str)
    if steps < 2:
        return {"applicable": False, "answer": "not applicable: the model has a single step, so step 1, the last step "
                "and the exit step coincide"}

    def idx(row: str, s: str) -> int:
        return int(np.flatnonzero((layer == row) & (step == s))[0])

    rows = list(dict.fromkeys(layer.tolist()))
    per_row = []
    for row in rows:
        h, first, last = idx(row, HALT), idx(row, "1"), idx(row, str(steps))
        vs1 = paired_difference(ev, [h], [first])
        vsT = paired_difference(ev, [h], [last])
        per_row.append({
            "layer": row,
            "kind": str(kind[h]),
            "similarity": {"step1": finite_or_none(ev.values[first]), "halt": finite_or_none(ev.values[h]), "last": finite_or_none(ev.values[last])},
            "halt_minus_step1": vs1 | {"verdict": _verdict(vs1)},
            "halt_minus_last": vsT | {"verdict": _verdict(vsT)},
        })
    pattern_rows = [r for r in rows if kind[idx(r, HALT)] == "pattern"]
    halts = [idx(r, HALT) for r in pattern_rows]
    m1 = paired_difference(ev, halts, [idx(r, "1") for r in pattern_rows])
    mT = paired_difference(ev, halts, [idx(r, str(steps)) for r in pattern_rows])
    v1, vT = _verdict(m1), _verdict(mT)
    if v1 == "higher" and vT == "higher":
        yes, better = "yes", True
    elif any(v not in ("higher", UNDETERMINED) for v in (v1, vT)):
        yes, better = "no", False
    else:
        yes, better = UNDETERMINED, None
    answer = (
        f"{yes}: averaged over the {len(pattern_rows)} layers, the similarity at each image's exit step minus that at "
        f"step 1 is {m1['difference']:+.3f}{_ci_text(m1['ci95'])} ({v1}) and minus that at step {steps} is "
        f"{mT['difference']:+.3f}{_ci_text(mT['ci95'])} ({vT})"
    )
    return {
        "applicable": True,
        "answer": answer,
        "better_than_both": better,
        "mean_over_layers": {"halt_minus_step1": m1 | {"verdict": v1}, "halt_minus_last": mT | {"verdict": vT}},
        "per_layer": per_row,
    }


def _ci_text(ci) -> str:
    return "" if ci[0] is None else f" [95% CI {ci[0]:+.3f}, {ci[1]:+.3f}]"
