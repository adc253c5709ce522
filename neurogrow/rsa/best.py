"""The best layer/step of ``compare_rsa``: a descriptive pick, compared with the noise ceiling on its CI."""
from __future__ import annotations

import numpy as np

from neurogrow.rsa.halting_question import finite_or_none
from neurogrow.rsa.model_rdms import HALT

__all__ = ["BEST_SELECTION", "best_cell", "vs_lower_ceiling"]

#: How the best layer/step is chosen, stated with it (``best.selection``, report.md, the console table).
BEST_SELECTION = (
    "descriptive: the layer x step cell with the highest point estimate; its CI is that cell's own "
    "percentile interval, not adjusted for selecting the maximum of the grid"
)


def vs_lower_ceiling(ci95, lower) -> str | None:
    """Where a 95 % CI lies relative to the lower bound of the noise ceiling (never a point estimate).

    ``"reaches"`` (CI lower bound >= the ceiling's lower bound), ``"falls short"`` (CI upper bound
    below it), ``"not distinguishable"`` (the CI contains it), ``"undetermined (no CI)"`` without a
    CI; None without a finite ceiling.
    """
    if lower is None or not np.isfinite(lower):
        return None
    lo, hi = ci95
    if lo is None or hi is None:
        return "undetermined (no CI)"
    if lo >= lower:
        return "reaches"
    if hi < lower:
        return "falls short"
    return "not distinguishable"


def best_cell(cells: list[dict], ceiling: dict) -> dict:
    """The best layer/step of one comparator, from its ``similarity`` entries and ``noise_ceiling``.

    The cell among steps 1..T of the pattern RDMs (not the exit-step column, not the model's
    confusions) with the highest similarity (the first one on ties; the first cell when none is
    finite).  This is a descriptive pick on the point estimates (:data:`BEST_SELECTION`): the CI
    is the cell's own and is not adjusted for the selection, so it is optimistic.
    ``vs_lower_ceiling`` (:func:`vs_lower_ceiling`) and ``reaches_lower_ceiling`` (True:
    ``"reaches"``, False: ``"falls short"``, None: neither shown, or no CI or ceiling) are decided
    on that CI, never on the point estimate; ``relative_to_lower_ceiling`` is the ratio of the point
    estimates.
    """
    grid = [c for c in cells if c["kind"] == "pattern" and c["step"] != HALT]
    finite = [c for c in grid if c["similarity"] is not None]
    b = max(finite, key=lambda c: c["similarity"]) if finite else grid[0]
    lower = ceiling.get("lower")
    where = vs_lower_ceiling(b["ci95"], lower)
    return {
        "layer": b["layer"],
        "step": int(b["step"]),
        "similarity": b["similarity"],
        "ci95": list(b["ci95"]),
        "selection": BEST_SELECTION,
        "relative_to_lower_ceiling": (
            finite_or_none(b["similarity"] / lower) if b["similarity"] is not None and lower and lower > 0 else None
        ),
        "vs_lower_ceiling": where,
        "reaches_lower_ceiling": {"reaches": True, "falls short": False}.get(where) if where else None,
    }
