"""summary.json of compare-rt: the fixed layout of every number (keys in ``docs/compare_rt.md``).

:func:`build_summary` assembles the statistics of :func:`neurogrow.rt.analyse`;
:func:`baseline_summary` gives each baseline's paired comparison and the sentence a methods
section can quote; :func:`holm_family` adds Holm-adjusted p-values across a run's tests (one
experiment, or all experiments of the demo).
"""
from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from neurogrow.rt.options import DEFAULT_WITHIN, SUMMARY_SCHEMA_VERSION

__all__ = ["baseline_summary", "build_summary", "holm_family", "json_float", "json_interval", "ratio_to_ceiling"]

#: What each baseline computed from the times file's per-step probabilities is.
STEP_BASELINE_DEFINITIONS = {
    "step1_uncertainty": "1 - max class probability at step 1",
    "step1_entropy": "entropy (nats) of the class probabilities at step 1",
    "final_entropy": "entropy (nats) of the class probabilities at the exit step (the model's answer)",
    "confidence_step": "first step whose max class probability is >= 0.5 (T if none)",
}


def json_float(x) -> float | None:
    """JSON-safe float (None for None and non-finite values)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def json_interval(ci) -> list:
    """A CI as a JSON list of two floats or Nones."""
    return [json_float(c) for c in ci]


def ratio_to_ceiling(r, ceiling, sqrt: bool = False):
    """``r / ceiling`` (or ``r / sqrt(ceiling)``), None where the ceiling is missing or not positive."""
    if r is None or ceiling is None or not np.isfinite(ceiling) or ceiling <= 0:
        return None
    return json_float(r / (math.sqrt(ceiling) if sqrt else ceiling))


def json_ceiling(d: dict) -> dict:
    """A :meth:`NoiseCeiling.to_dict` with JSON-safe numbers."""
    return {k: (json_float(v) if isinstance(v, float) else json_interval(v) if isinstance(v, list) else v) for k, v in d.items()}


def _ci(samples) -> list | None:
    from neurogrow.stats import percentile_ci

    return json_interval(percentile_ci(samples)) if samples is not None else None


def two_level_samples(samples, r, key: str):
    """The two-level resamples of a statistic centred on its estimate ``r`` (the primary interval's
    distribution, :func:`neurogrow.stats.bootstrap.centred_resamples`): on Fisher's z scale for a
    correlation, on the raw scale for a ``difference`` of two correlations."""
    from neurogrow.stats.bootstrap import centred_resamples

    if samples is None:
        return None
    estimate = json_float(r)
    return centred_resamples(samples, float("nan") if estimate is None else estimate, fisher=not key.endswith("difference"))


def excludes_zero(ci) -> bool | None:
    """Whether a CI lies entirely above or below 0 (None without a CI)."""
    if not ci or ci[0] is None or ci[1] is None:
        return None
    return bool(ci[0] > 0 or ci[1] < 0)


def _interval(r, boot: dict, two: dict | None, key: str) -> dict:
    two_ci = _ci(two_level_samples(two.get(key), r, key)) if two is not None else None
    return {"r": json_float(r), "ci95": _ci(boot.get(key)), "ci95_two_level": two_ci}


def baseline_summary(name: str, point: dict, boot: dict, two: dict | None, definition: str) -> dict:
    """One baseline: its Spearman, the paired difference E[t] - baseline and the partial given it."""
    from neurogrow.stats.paired import bootstrap_pvalue

    which = "ci95_two_level" if two is not None else "ci95"
    out: dict[str, Any] = {"definition": definition}
    for key in ("spearman", "difference", "partial"):
        out[key] = _interval(point[key], boot, two, f"{name}/{key}")
    key = f"{name}/difference"
    primary = two_level_samples(two[key], point["difference"], key) if two is not None else boot[key]
    out["difference"]["p_bootstrap"] = bootstrap_pvalue(primary)
    ci = out["difference"][which]
    lo_hi = excludes_zero(ci)
    out["e_t_adds"] = bool(lo_hi and ci[0] > 0) if lo_hi is not None else None
    out["sentence"] = _baseline_sentence(name, out, which)
    out["note"] = None
    return out


def _baseline_sentence(name: str, b: dict, which: str) -> str:
    d, p = b["difference"], b["partial"]
    ci, pci = d[which], p[which]
    if not ci or ci[0] is None or not pci or pci[0] is None or d["r"] is None or p["r"] is None:
        return f"Whether E[t] adds to {name} is undetermined: no finite bootstrap resamples."
    kind = "two-level (subjects x images) bootstrap" if which == "ci95_two_level" else "bootstrap over images"
    part = f"the partial Spearman correlation of E[t] with the human measure given {name} is {p['r']:.3f} (95% CI [{pci[0]:.3f}, {pci[1]:.3f}])"
    diff = f"rho(E[t]) - rho({name}) = {d['r']:.3f} (95% {kind} CI [{ci[0]:.3f}, {ci[1]:.3f}])"
    if ci[0] > 0:
        return f"E[t] adds to {name}: {diff}, excluding 0; {part}."
    if ci[1] < 0:
        return f"E[t] does not add to {name}, which predicts the human measure better: {diff}; {part}."
    return f"E[t] is not shown to add to {name}: {diff} includes 0; {part}."


def skipped_baseline(definition: str, note: str) -> dict:
    """The fixed keys of a baseline that could not be analysed."""
    empty = {"r": None, "ci95": [None, None], "ci95_two_level": None}
    return {
        "definition": definition,
        "spearman": dict(empty),
        "difference": dict(empty, p_bootstrap=None),
        "partial": dict(empty),
        "e_t_adds": None,
        "sentence": f"not analysed: {note}",
        "note": note,
    }


def holm_family(runs: dict[str, dict]) -> None:
    """Holm-adjust the p-values of every test of ``runs`` (name -> summary) together, in place.

    Each summary's ``multiple_comparisons.tests`` holds ``name``, ``p`` and ``p_holm``; with
    several runs the names are prefixed with the run's name and every summary lists the whole family.
    """
    from neurogrow.stats.paired import holm

    tests = []
    for run, s in runs.items():
        prefix = f"{run}: " if len(runs) > 1 else ""
        for name, p in family_pvalues(s):
            tests.append({"name": prefix + name, "p": json_float(p)})
    adjusted = holm([t["p"] for t in tests])
    for t, a in zip(tests, adjusted):
        t["p_holm"] = json_float(a)
    record = {
        "method": "holm",
        "family": "every test of this run" if len(runs) == 1 else f"every test of the {len(runs)} experiments of this run ({', '.join(runs)})",
        "alpha": 0.05,
        "tests": tests,
    }
    for s in runs.values():
        s["multiple_comparisons"] = record


def family_pvalues(s: dict) -> list[tuple[str, float | None]]:
    """The tests of one summary: E[t] vs the human measure (overall, within category, mixed model)
    and E[t] vs each baseline (paired difference)."""
    w = s["within_category"].get("spearman_partial") or {}
    out = [
        ("Spearman (permutation)", s["spearman"]["p_permutation"]),
        (f"within category, {s['within_category'].get('default', DEFAULT_WITHIN)} (permutation)", w.get("p_permutation")),
        ("mixed model slope (crossed)", s["mixed_model"].get("p")),
    ]
    for name, b in s.get("baselines", {}).items():
        out.append((f"E[t] minus {name} (bootstrap)", b["difference"].get("p_bootstrap")))
    return out


def build_summary(stats: dict, human, per_image: pd.DataFrame, excluded, trials, measure: str, has_cat: bool, options, inputs, identity: dict) -> dict:
    """The ``summary.json`` dict (without ``timings_s`` and ``files``)."""
    from neurogrow import __version__

    (r_s, p_s), (r_p, p_p) = stats["correlations"]["spearman"], stats["correlations"]["pearson"]
    boot, two, ceiling = stats["bootstrap"], stats["two_level"], stats["ceiling"]
    nc = ceiling.spearman_brown if ceiling else None
    primary = "ci95_two_level" if two is not None else "ci95"
    spearman = _interval(r_s, boot, two, "spearman")
    spearman.update(
        p_permutation=json_float(stats["p_permutation"]),
        p_parametric=json_float(p_s),
        relative_to_ceiling=ratio_to_ceiling(r_s, nc),
        disattenuated=ratio_to_ceiling(r_s, nc, sqrt=True),
    )
    spearman["significant"] = excludes_zero(spearman[primary])
    pearson = _interval(r_p, boot, two, "pearson")
    pearson["p_parametric"] = json_float(p_p)
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "neurogrow_version": __version__,
        "created": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "inputs": dict(inputs or {}, human_format=human.format),
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(options).items() if k != "progress"},
        "human_measure": measure,
        "n_stimuli": len(per_image),
        "n_excluded": len(excluded),
        "excluded_stimuli": excluded[:50],
        "n_subjects": int(trials.n_subjects) if trials is not None else 0,
        "n_trials": len(trials.table.value) if trials is not None else None,
        "n_categories": int(per_image["category"].nunique()) if has_cat else 0,
        "stimulus_identity": identity["method"],
        "stimulus_identity_detail": identity,
        "primary_interval": primary,
        "spearman": spearman,
        "pearson": pearson,
        "noise_ceiling": json_ceiling(ceiling.to_dict()) if ceiling else {"spearman_brown": None, "ci95": [None, None]},
        "within_category": stats["within"]
        or {"default": DEFAULT_WITHIN, "spearman_partial": None, "noise_ceiling": None, "note": "no categories in the data: within-category analysis skipped"},
        "baselines": stats["baselines"],
        "mixed_model": stats["mixed"] or {"coef": None, "ci95": [None, None], "p": None, "note": "needs per-trial data from at least 2 subjects"},
        "notes": list(human.notes),
        "rt_checks": human.rt_checks,
    }
