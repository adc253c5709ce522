"""Plausibility checks of human reaction times: units, bounds and extreme outliers.

Every per-trial loader (:mod:`neurogrow.human`) passes its trials through :func:`check_trial_rts`
before anything is computed from them. The rules (documented in ``docs/compare_rt.md``):

1. **Unit.** RTs are read in the unit the file claims: the format's documented unit (Geirhos et al.
   2019 and long CSVs: seconds; CIFAR-10H ``reaction_time``: milliseconds) or ``--rt-unit ms|s``.
   Per file, and per subject within each file, the median RT converted to seconds must lie in
   :data:`MEDIAN_RANGE_S` (0.1 to 20 s): a median of 739 "seconds" is milliseconds, a median of
   0.74 "milliseconds" is seconds. Otherwise: an error naming the file, the subject and the
   median seen (and the unit it looks like).
2. **Non-positive or non-finite** RTs on a trial with a response: an error (``check_rts``).
3. **Explicit exclusion.** ``--rt-max S`` excludes trials slower than S seconds, ``--rt-min S``
   trials faster than S seconds; the excluded trials are counted (in total and per subject) in
   the report that ``compare-rt`` writes to ``summary.json`` under ``rt_checks``.
4. **Upper bound.** Without ``--rt-max``, an RT above :data:`RT_MAX_DEFAULT_S` (60 s) is an error:
   no trial of a speeded recognition task takes a minute, and one such value (say 1e12 s, a
   corrupt cell) moves a Pearson correlation a lot.
5. **Extreme outliers.** After the exclusions, an RT more than :data:`OUTLIER_FACTOR` (20) times
   slower or faster than the same subject's median RT is an error (exclude it explicitly with
   ``--rt-max``/``--rt-min``, or fix the file). On the shipped Geirhos data the largest ratio is 2.2.

Trials without a response (NaN RT) are not checked and not excluded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from neurogrow.errors import DataError, NeurogrowError

#: Reaction-time units and their size in seconds.
UNITS = {"s": 1.0, "ms": 1e-3}
UNIT_WORDS = {"s": "seconds", "ms": "milliseconds"}
#: A file's or a subject's median RT, in seconds, must lie in this range.
MEDIAN_RANGE_S = (0.1, 20.0)
#: Without ``--rt-max``, an RT above this many seconds is an error.
RT_MAX_DEFAULT_S = 60.0
#: An RT more than this factor slower or faster than its subject's median RT is an extreme outlier.
OUTLIER_FACTOR = 20.0


@dataclass(frozen=True)
class RTRules:
    """What the user states about the RTs: their unit and explicit exclusion bounds (seconds).

    ``unit`` None means the unit the file format documents.
    """

    unit: str | None = None
    rt_max: float | None = None
    rt_min: float | None = None

    def __post_init__(self) -> None:
        if self.unit is not None and self.unit not in UNITS:
            raise NeurogrowError(f"--rt-unit {self.unit}: expected one of {', '.join(UNITS)}")
        for name in ("rt_max", "rt_min"):
            v = getattr(self, name)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (name == "rt_max" and v == 0):
                raise NeurogrowError(
                    f"--{name.replace('_', '-')} {v}: expected a finite number of seconds "
                    + ("> 0" if name == "rt_max" else ">= 0")
                )
        if self.rt_max is not None and self.rt_min is not None and self.rt_min >= self.rt_max:
            raise NeurogrowError(f"--rt-min {self.rt_min} >= --rt-max {self.rt_max}: expected rt-min < rt-max")


def _fmt(v: float) -> str:
    return format(float(v), ".4g")


def _other_unit(median_raw: float, unit: str) -> str | None:
    """The unit in which ``median_raw`` would be a plausible median RT, if another one."""
    lo, hi = MEDIAN_RANGE_S
    for other, size in UNITS.items():
        if other != unit and lo <= median_raw * size <= hi:
            return other
    return None


def _check_median(raw: np.ndarray, unit: str, where: str, n_what: str) -> None:
    med = float(np.median(raw))
    med_s = med * UNITS[unit]
    lo, hi = MEDIAN_RANGE_S
    if lo <= med_s <= hi:
        return
    other = _other_unit(med, unit)
    looks = f"; these look like {UNIT_WORDS[other]} (pass --rt-unit {other})" if other else ""
    raise DataError(
        f"{where}: median RT {_fmt(med)} over {n_what} read as {UNIT_WORDS[unit]} is {_fmt(med_s)} s; "
        f"expected a median reaction time between {lo:g} and {hi:g} s{looks}"
    )


def check_trial_rts(trials: pd.DataFrame, file_unit: str, rules: RTRules | None, source: str) -> tuple[pd.DataFrame, dict]:
    """Check the RTs of per-trial data, convert them to seconds and apply the exclusions.

    Parameters
    ----------
    trials
        Columns ``subject``, ``rt`` (in the file's unit; NaN without a response), ``responded``,
        and optionally ``_file`` and ``_line`` (for messages).
    file_unit
        The unit the format documents (``"s"`` or ``"ms"``); ``rules.unit`` overrides it.
    rules
        :class:`RTRules` (None: the defaults).
    source
        The path named in messages when ``_file`` is absent.

    Returns
    -------
    (trials, report)
        The trials with ``rt`` in seconds and the excluded trials removed, and a JSON-able dict
        of the unit, the rules and the counts (``compare-rt`` writes it to ``summary.json``).

    Raises
    ------
    DataError
        A file or subject whose median RT is implausible in the claimed unit, an RT above the
        default bound without ``--rt-max``, or an extreme outlier; one line naming file, line
        (or subject) and what was expected.
    """
    rules = rules or RTRules()
    unit = rules.unit or file_unit
    t = trials.reset_index(drop=True)
    files = t["_file"].astype(str).to_numpy() if "_file" in t.columns else np.full(len(t), str(source), dtype=object)
    lines = t["_line"].to_numpy() if "_line" in t.columns else None
    subjects = t["subject"].astype(str).to_numpy()
    raw = t["rt"].to_numpy(float)
    resp = t["responded"].to_numpy(bool) & np.isfinite(raw)

    # 1. unit: per file, then per subject within each file
    for f in pd.unique(files[resp]):
        in_file = resp & (files == f)
        _check_median(raw[in_file], unit, f, f"{int(in_file.sum())} trials")
        for s in pd.unique(subjects[in_file]):
            m = in_file & (subjects == s)
            _check_median(raw[m], unit, f"{f}: subject {s!r}", f"{int(m.sum())} trials of that subject")

    rt = raw * UNITS[unit]

    def where(i: int) -> str:
        return f"{files[i]}: " + (f"line {int(lines[i])}: " if lines is not None else "") + f"subject {subjects[i]!r}"

    # 3. explicit exclusions
    slow = resp & (rt > rules.rt_max) if rules.rt_max is not None else np.zeros(len(t), bool)
    fast = resp & (rt < rules.rt_min) if rules.rt_min is not None else np.zeros(len(t), bool)
    keep = ~(slow | fast)
    kept_resp = resp & keep

    # 4. default upper bound
    if rules.rt_max is None:
        above = np.flatnonzero(kept_resp & (rt > RT_MAX_DEFAULT_S))
        if above.size:
            i = above[0]
            raise DataError(
                f"{where(i)}: rt {_fmt(raw[i])} {unit} is {_fmt(rt[i])} s, above the plausibility bound of "
                f"{RT_MAX_DEFAULT_S:g} s; expected a reaction time below it (pass --rt-max SECONDS to exclude "
                f"slower trials, counted in summary.json)" + (f" ({above.size} such trials)" if above.size > 1 else "")
            )

    # 5. extreme outliers relative to the subject's median (over kept trials)
    med = pd.Series(rt[kept_resp]).groupby(subjects[kept_resp]).median()
    subj_med = pd.Series(subjects).map(med).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = rt / subj_med
    out = np.flatnonzero(kept_resp & ((ratio > OUTLIER_FACTOR) | (ratio < 1 / OUTLIER_FACTOR)))
    if out.size:
        i = out[0]
        r = ratio[i]
        how = f"{_fmt(r)} times" if r > 1 else f"1/{_fmt(1 / r)} of"
        raise DataError(
            f"{where(i)}: rt {_fmt(rt[i])} s is {how} that subject's median RT {_fmt(subj_med[i])} s; expected within "
            f"a factor of {OUTLIER_FACTOR:g} of it (extreme-outlier rule; exclude such trials with --rt-max/--rt-min "
            "or correct the file)" + (f" ({out.size} such trials)" if out.size > 1 else "")
        )

    excluded = slow | fast
    by_subject = pd.Series(excluded).groupby(subjects).sum()
    report = {
        "unit": unit,
        "unit_source": "--rt-unit" if rules.unit else "file format",
        "n_trials": len(t),
        "n_responses_checked": int(resp.sum()),
        "median_rt_s": float(np.median(rt[kept_resp])) if kept_resp.any() else None,
        "rules": {
            "median_range_s": list(MEDIAN_RANGE_S),
            "rt_max_s": rules.rt_max,
            "rt_min_s": rules.rt_min,
            "default_bound_s": None if rules.rt_max is not None else RT_MAX_DEFAULT_S,
            "outlier_factor": OUTLIER_FACTOR,
            "text": "per file and subject: median RT in seconds within the median range, else error; trials slower "
            "than rt_max_s or faster than rt_min_s excluded; without rt_max_s an RT above default_bound_s is an "
            "error; an RT more than outlier_factor times slower or faster than its subject's median is an error",
        },
        "n_excluded_slow": int(slow.sum()),
        "n_excluded_fast": int(fast.sum()),
        "n_excluded": int(excluded.sum()),
        "excluded_by_subject": {str(k): int(v) for k, v in by_subject.items() if v},
    }
    t = t.assign(rt=rt)[keep].reset_index(drop=True)
    return t, report
