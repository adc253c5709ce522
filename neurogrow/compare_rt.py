"""Compare model halting times with human reaction times (or human difficulty) per image.

The analysis behind ``neurogrow compare-rt`` (methods in ``docs/compare_rt.md``):

1. read the model times (an extract HDF5 file or a CSV ``stimulus,model_time``) and the human data
   (:func:`neurogrow.human.load_human`);
2. match stimuli by file name without folders; every human stimulus must match exactly one model
   stimulus and every model stimulus a human one (``allow_unmatched`` analyses the overlap);
3. per image, the human measure: mean log RT over trials with a response (default), median RT,
   accuracy, or for CIFAR-10H counts the response entropy or accuracy;
4. Spearman and Pearson correlations with percentile bootstrap CIs over images, a two-level
   bootstrap over subjects and images for per-trial data, a permutation p-value, the split-half
   noise ceiling, the same within category (partial Spearman controlling category, and its own
   ceiling), and a mixed model on per-trial log RT;
5. outputs written atomically to a folder: ``summary.json``, ``per_image.csv``, ``report.md``,
   ``scatter.{png,pdf}``, ``per_category.{png,pdf}``.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from neurogrow.outputs import atomic_output_dir, check_out_dir, summary_json
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human import HumanData, load_human
from neurogrow.human._common import line_of, parse_numbers, read_csv_text, stimulus_key

__all__ = [
    "Options",
    "Result",
    "MEASURES",
    "TRIAL_MEASURES",
    "COUNT_MEASURES",
    "load_model_times",
    "model_times_frame",
    "match_stimuli",
    "image_measures",
    "analyse",
    "write_outputs",
    "check_out_dir",
    "compare_rt",
    "format_table",
]

TRIAL_MEASURES = ("mean_log_rt", "median_rt", "accuracy")
COUNT_MEASURES = ("entropy", "accuracy")
MEASURES = ("mean_log_rt", "median_rt", "accuracy", "entropy")
MODEL_TIME_COLUMNS = ("expected_steps", "exit_step")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
MIN_IMAGES = 3


@dataclass
class Options:
    """Settings of the analysis (the ``neurogrow compare-rt`` options)."""

    measure: str | None = None  #: None: mean_log_rt for per-trial data, entropy for counts
    correct_only: bool = False
    n_boot: int = 1000
    n_splits: int = 100
    n_perm: int = 10000
    seed: int = 0
    model_time: str = "expected_steps"  #: HDF5 input: expected_steps or exit_step
    allow_unmatched: bool = False
    mixed_model: bool = True
    progress: bool | None = None  #: tqdm bar: None = only on a terminal
    rt_unit: str | None = None  #: unit of the human RTs (s or ms); None: the format's documented unit
    rt_max: float | None = None  #: exclude trials slower than this many seconds (counted in rt_checks)
    rt_min: float | None = None  #: exclude trials faster than this many seconds

    def rt_rules(self):
        from neurogrow.human import RTRules

        return RTRules(self.rt_unit, self.rt_max, self.rt_min)

    def validate(self) -> None:
        if self.measure is not None and self.measure not in MEASURES:
            raise NeurogrowError(f"--measure {self.measure}: expected one of {', '.join(MEASURES)}")
        for name, low in (("n_boot", 10), ("n_splits", 1), ("n_perm", 0)):
            if int(getattr(self, name)) < low:
                raise NeurogrowError(f"--{name.replace('_', '-')} {getattr(self, name)}: expected an integer >= {low}")
        if self.model_time not in MODEL_TIME_COLUMNS:
            raise NeurogrowError(f"--model-time {self.model_time}: expected one of {', '.join(MODEL_TIME_COLUMNS)}")
        self.rt_rules()


@dataclass
class Result:
    """What :func:`analyse` computes: the summary dict, the per-image table and per-category stats."""

    summary: dict
    per_image: pd.DataFrame
    per_category: pd.DataFrame | None = None
    timings: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- model times


def _is_hdf5(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_MAGIC
    except OSError:
        return False


def model_times_frame(table: pd.DataFrame, column: str = "expected_steps", source: str = "model times") -> pd.DataFrame:
    """Normalise a table of model times to columns ``stimulus, model_time`` (+ ``category`` if known).

    Accepts the output of :func:`neurogrow.io.read_times` / ``neurogrow.extract.extract_times``
    (``stimulus`` and ``expected_steps``/``exit_step``) or a table with ``model_time``.
    """
    if "stimulus" not in table.columns:
        raise DataError(f"{source}: no column stimulus; expected columns stimulus,model_time")
    if "model_time" in table.columns:
        t = table["model_time"]
    elif column in table.columns:
        t = table[column]
    else:
        raise DataError(f"{source}: no column model_time or {column}; expected columns stimulus,model_time")
    out = pd.DataFrame({"stimulus": table["stimulus"].astype(str).to_numpy(), "model_time": pd.to_numeric(t, errors="coerce").to_numpy(float)})
    for cat_col in ("category", "label"):
        if cat_col in table.columns and table[cat_col].notna().all():
            out["category"] = table[cat_col].astype(str).to_numpy()
            break
    bad = np.flatnonzero(~np.isfinite(out["model_time"].to_numpy()))
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{source}: stimulus {out['stimulus'].iloc[i]!r} has model time {t.iloc[i]!r}; expected a finite number"
        )
    from neurogrow.io.times import check_model_time_values

    check_model_time_values(out["model_time"].to_numpy(), out["stimulus"], source)
    dup = out["stimulus"].duplicated()
    if dup.any():
        raise DataError(f"{source}: stimulus {out['stimulus'][dup].iloc[0]!r} appears more than once; expected one row per stimulus")
    if len(out) == 0:
        raise DataError(f"{source}: no stimuli; expected one row per stimulus")
    return out


def load_model_times(path: str | os.PathLike, column: str = "expected_steps") -> pd.DataFrame:
    """Read model times from an extract HDF5 file or a CSV ``stimulus,model_time``.

    Returns a frame with ``stimulus``, ``model_time`` (and ``category`` when the file has labels).
    From HDF5, ``column`` picks ``expected_steps`` (default) or ``exit_step`` as the model time.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found; expected model times (an extract .h5 file or a CSV stimulus,model_time)")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected model times (an extract .h5 file or a CSV stimulus,model_time)")
    from neurogrow.io.times import check_model_time_values, sniff_times_file

    if sniff_times_file(path) == "hdf5":
        from neurogrow.io import read_times

        return model_times_frame(read_times(path), column, str(path))
    df = read_csv_text(path)
    if "model_time" not in df.columns and column in df.columns:  # e.g. read_times(...).to_csv()
        df = df.rename(columns={column: "model_time"})
    missing = [c for c in ("stimulus", "model_time") if c not in df.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; model times need columns stimulus,model_time "
            f"(found: {', '.join(df.columns) or 'none'})"
        )
    if len(df) == 0:
        raise DataError(f"{path}: no data rows; expected one row per stimulus")
    values = parse_numbers(df["model_time"], path, "model_time")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = bad[0]
        raise DataError(f"{path}: line {line_of(df.index[i])}: model_time is {df['model_time'].iloc[i]!r}; expected a finite number")
    check_model_time_values(values, df["stimulus"], str(path), [line_of(i) for i in df.index])
    empty = np.flatnonzero((df["stimulus"] == "").to_numpy())
    if empty.size:
        raise DataError(f"{path}: line {line_of(df.index[empty[0]])}: stimulus is empty; expected a file name")
    dup = df["stimulus"].duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise DataError(f"{path}: line {line_of(df.index[i])}: stimulus {df['stimulus'].iloc[i]!r} appears twice; expected one row per stimulus")
    table = pd.DataFrame({"stimulus": df["stimulus"].to_numpy(), "model_time": values})
    if "category" in df.columns and (df["category"] != "").all():
        table["category"] = df["category"].to_numpy()
    return table


# --------------------------------------------------------------------------- matching


def _examples(items, k: int = 3) -> str:
    items = list(items)
    shown = ", ".join(repr(x) for x in items[:k])
    return shown + (", ..." if len(items) > k else "")


def match_stimuli(model: pd.DataFrame, human_stimuli: list[str], allow_unmatched: bool = False, hint: str = "") -> pd.DataFrame:
    """Match model stimuli to human stimulus keys by file name without folders.

    Returns one row per matched human stimulus: ``stimulus`` (the human key), ``model_stimulus``,
    ``model_time`` (and ``model_category`` if the model table has categories).  Errors: no
    overlap; a human stimulus matching several model stimuli (ambiguous); unless
    ``allow_unmatched``, a human stimulus with no model time or a model stimulus no human saw.
    """
    model = model.copy()
    model["key"] = model["stimulus"].map(stimulus_key)
    human = pd.Index(sorted(set(human_stimuli)))
    counts = model["key"].value_counts()
    n_match = counts.reindex(human).fillna(0).astype(int)
    if (n_match == 0).all():
        raise DataError(
            f"no overlap: none of the {len(human)} human stimuli ({_examples(human)}) matches any of the "
            f"{len(model)} model-time stimuli ({_examples(model['stimulus'])}); stimuli are matched by file name without folders{hint}"
        )
    ambiguous = n_match[n_match > 1]
    if len(ambiguous):
        key = ambiguous.index[0]
        names = model.loc[model["key"] == key, "stimulus"].tolist()
        raise DataError(
            f"ambiguous match: human stimulus {key!r} matches {int(ambiguous.iloc[0])} model-time stimuli ({_examples(names)})"
            f"; {len(ambiguous)} human stimuli match more than one; expected exactly one (give model times for one stimulus set)"
        )
    if not allow_unmatched:
        empty = n_match[n_match == 0]
        if len(empty):
            raise DataError(
                f"unmatched stimuli: {len(empty)} of {len(human)} human stimuli match 0 model-time stimuli "
                f"({_examples(empty.index)}); expected exactly one each (or pass --allow-unmatched)"
            )
        unknown = model.loc[~model["key"].isin(human), "stimulus"]
        if len(unknown):
            raise DataError(
                f"unknown stimuli: {len(unknown)} of {len(model)} model-time stimuli match 0 human stimuli "
                f"({_examples(unknown)}); expected every stimulus in the human data (or pass --allow-unmatched)"
            )
    m = model[model["key"].isin(human)]
    out = pd.DataFrame({"stimulus": m["key"].to_numpy(), "model_stimulus": m["stimulus"].to_numpy(), "model_time": m["model_time"].to_numpy()})
    if "category" in m.columns:
        out["model_category"] = m["category"].to_numpy()
    return out.sort_values("stimulus", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- human measures


def resolve_measure(human: HumanData, options: Options) -> str:
    """The per-image human measure for these data and options."""
    measure = options.measure
    if human.has_trials:
        measure = measure or "mean_log_rt"
        if measure not in TRIAL_MEASURES:
            raise NeurogrowError(f"--measure {measure}: per-trial data support {', '.join(TRIAL_MEASURES)}")
        if options.correct_only:
            if measure == "accuracy":
                raise NeurogrowError("--measure accuracy with --correct-only: accuracy of correct trials only is always 1")
            if human.trials["correct"][human.trials["responded"]].isna().any():
                raise DataError(f"{human.source}: --correct-only needs correctness on every trial with a response; some are unknown")
        if measure == "accuracy" and human.trials["correct"][human.trials["responded"]].isna().any():
            raise DataError(f"{human.source}: --measure accuracy needs correctness on every trial with a response; some are unknown")
        return measure
    measure = measure or "entropy"
    if measure not in COUNT_MEASURES:
        raise NeurogrowError(f"--measure {measure}: {human.format} data have no RTs; use --measure entropy or accuracy")
    if options.correct_only:
        raise NeurogrowError(f"--correct-only: {human.format} data have no per-trial RTs")
    return measure


def image_measures(human: HumanData, stimuli: list[str], correct_only: bool = False) -> pd.DataFrame:
    """Per-image human summaries for ``stimuli`` (in that order).

    Per-trial data: ``n_trials``, ``n_responses``, ``n_used`` (responses entering the RT measures;
    correct ones with ``correct_only``), ``mean_log_rt``, ``median_rt`` (seconds), ``accuracy``
    (over responses with known correctness), ``category``.  Counts: ``n_responses``,
    ``accuracy``, ``entropy``, ``category``.
    """
    idx = pd.Index(stimuli, name="stimulus")
    if not human.has_trials:
        img = human.images.set_index("stimulus").reindex(idx)
        return img.reset_index()
    t = human.trials[human.trials["stimulus"].isin(idx)]
    resp = t[t["responded"]]
    used = resp[resp["correct"].fillna(False).astype(bool)] if correct_only else resp
    g_all = t.groupby("stimulus")
    out = pd.DataFrame(index=idx)
    out["category"] = g_all["category"].first().reindex(idx)
    out["n_trials"] = g_all.size().reindex(idx).fillna(0).astype(int)
    out["n_responses"] = resp.groupby("stimulus").size().reindex(idx).fillna(0).astype(int)
    out["n_used"] = used.groupby("stimulus").size().reindex(idx).fillna(0).astype(int)
    logrt = np.log(used["rt"].to_numpy(float))
    out["mean_log_rt"] = pd.Series(logrt, index=used.index).groupby(used["stimulus"]).mean().reindex(idx)
    out["median_rt"] = used.groupby("stimulus")["rt"].median().reindex(idx)
    known = resp.dropna(subset=["correct"])
    out["accuracy"] = known["correct"].astype(float).groupby(known["stimulus"]).mean().reindex(idx)
    return out.reset_index()


# --------------------------------------------------------------------------- analysis


def _quantize(a: np.ndarray) -> np.ndarray:
    """Round to 12 significant digits, so that values re-read from per_image.csv by any CSV parser
    are exactly the values the statistics were computed from."""
    return np.array([float(format(v, ".12g")) for v in np.asarray(a, dtype=float)])


def _f(x) -> float | None:
    """JSON-safe float."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _ci(ci) -> list:
    return [_f(c) for c in ci]


def _ratio(r, ceiling, sqrt: bool = False):
    if r is None or ceiling is None or not np.isfinite(ceiling) or ceiling <= 0:
        return None
    return _f(r / (math.sqrt(ceiling) if sqrt else ceiling))


class _Stages:
    """A tqdm bar over the analysis stages (shown on a terminal) and a timer per stage."""

    def __init__(self, names: list[str], enabled: bool | None):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=len(names), desc="compare-rt", unit="step", disable=None if enabled is None else not enabled, leave=False)
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    def step(self, name: str) -> None:
        self.bar.set_postfix_str(name)

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._t, 4)
        self._t = now
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def analyse(model_times: pd.DataFrame, human: HumanData, options: Options | None = None, inputs: dict | None = None) -> Result:
    """Run the full comparison of model times with human data; nothing is written.

    ``model_times`` has ``stimulus`` and ``model_time`` (see :func:`load_model_times`).
    """
    from neurogrow import __version__
    from neurogrow.stats import (
        TrialTable,
        bootstrap_correlation,
        bootstrap_partial,
        ceiling_from_halves,
        fit_mixed,
        partial_permutation_pvalue,
        percentile_ci,
        permutation_pvalue,
        residualize,
        spearman,
        split_half_counts,
        split_half_trials,
        two_level_bootstrap,
        weighted_correlation,
    )
    from neurogrow.stats.partial import group_codes

    options = options or Options()
    options.validate()
    model_times = model_times_frame(model_times, options.model_time)
    measure = resolve_measure(human, options)
    from neurogrow.human.cifar10h import match_hint

    hint = match_hint(human)
    matched = match_stimuli(model_times, human.stimuli, options.allow_unmatched, hint)
    img = image_measures(human, matched["stimulus"].tolist(), options.correct_only)
    per_image = matched.merge(img, on="stimulus", how="left", suffixes=("", "_human"))
    if per_image["category"].isna().all() and "model_category" in per_image.columns:
        per_image["category"] = per_image["model_category"]
    per_image = per_image.drop(columns=[c for c in ("model_category",) if c in per_image.columns])
    per_image["human_measure"] = per_image[measure].to_numpy(float)
    excluded = per_image.loc[~np.isfinite(per_image["human_measure"]), "stimulus"].tolist()
    per_image = per_image[np.isfinite(per_image["human_measure"])].reset_index(drop=True)
    for col in per_image.columns:
        if per_image[col].dtype.kind == "f":
            per_image[col] = _quantize(per_image[col].to_numpy())
    n = len(per_image)
    if n < MIN_IMAGES:
        raise DataError(
            f"{human.source}: only {n} matched stimuli have a human {measure}"
            f"{' from correct trials' if options.correct_only else ''}; expected at least {MIN_IMAGES}"
        )
    x = per_image["model_time"].to_numpy(float)
    y = per_image["human_measure"].to_numpy(float)
    if np.ptp(x) == 0:
        raise DataError(f"model times: all {n} matched stimuli have the same model time {x[0]:g}; correlations are undefined")
    if np.ptp(y) == 0:
        raise DataError(f"{human.source}: all {n} matched stimuli have the same human {measure}; correlations are undefined")

    has_cat = per_image["category"].notna().all() and per_image["category"].nunique() > 1
    codes = group_codes(per_image["category"].to_numpy())[0] if has_cat else None

    ss = np.random.SeedSequence(options.seed)
    rng_boot, rng_perm, rng_two, rng_split, rng_ceil, rng_pboot, rng_pperm = (np.random.default_rng(s) for s in ss.spawn(7))

    trial_based = human.has_trials
    table = None
    if trial_based:
        t = human.trials
        sel = t["responded"] & t["stimulus"].isin(per_image["stimulus"])
        if options.correct_only:
            sel &= t["correct"].fillna(False).astype(bool)
        used = t[sel]
        stim_code = pd.Index(per_image["stimulus"]).get_indexer(used["stimulus"])
        subj_codes, subj_names = pd.factorize(used["subject"], sort=True)
        if measure == "mean_log_rt":
            val, agg = np.log(used["rt"].to_numpy(float)), "mean"
        elif measure == "median_rt":
            val, agg = used["rt"].to_numpy(float), "median"
        else:
            val, agg = used["correct"].astype(float).to_numpy(), "mean"
        table = TrialTable(stim_code, subj_codes, val, n, len(subj_names), agg)
        n_subjects = len(subj_names)
    else:
        n_subjects = 0

    stage_names = ["correlations", "bootstrap", "permutation", "two-level bootstrap", "noise ceiling", "within category", "mixed model"]
    stages = _Stages(stage_names, options.progress)
    try:
        stages.step("correlations")
        from scipy import stats as sps

        # point estimates straight from scipy on the values written to per_image.csv
        r_s, p_s_param = (float(v) for v in sps.spearmanr(x, y))
        r_p, p_p_param = (float(v) for v in sps.pearsonr(x, y))
        stages.done("correlations")

        stages.step("bootstrap")
        boot = bootstrap_correlation(x, y, options.n_boot, rng_boot)
        stages.done("bootstrap")

        stages.step("permutation")
        p_perm = permutation_pvalue(x, y, options.n_perm, rng_perm, "spearman")
        stages.done("permutation")

        stages.step("two-level bootstrap")
        two = None
        if trial_based and n_subjects >= 2:
            hint_y = np.argsort(y, kind="stable")

            def two_stat(v: np.ndarray, w: np.ndarray) -> dict:
                yb = table.image_measure(v.T).T
                ok = np.isfinite(yb)
                w = np.where(ok, w, 0.0)
                yb = np.where(ok, yb, 0.0)
                return {m: weighted_correlation(x, yb, w, m, hint_y=hint_y) for m in ("spearman", "pearson")}

            two = two_level_bootstrap(two_stat, n_subjects, n, options.n_boot, rng_two)
        stages.done("two-level bootstrap")

        stages.step("noise ceiling")
        if trial_based:
            if n_subjects >= 2:
                a, b = split_half_trials(table, options.n_splits, rng_split)
                unit = "subjects"
            else:
                a = b = None
        else:
            counts = human.counts[[int(s) for s in per_image["stimulus"]]] if human.counts is not None else None
            ref = human.reference[[int(s) for s in per_image["stimulus"]]]
            a, b = split_half_counts(counts, ref, measure, options.n_splits, rng_split)
            unit = "responses within image"
        ceiling = ceiling_from_halves(a, b, options.n_boot, rng_ceil, None, unit) if a is not None else None
        stages.done("noise ceiling")

        stages.step("within category")
        within = None
        if has_cat:
            xr = _quantize(residualize(x, codes))
            yr = _quantize(residualize(y, codes))
            per_image["model_time_resid"] = xr
            per_image["human_measure_resid"] = yr
            r_w = float(sps.spearmanr(xr, yr)[0])
            boot_w = bootstrap_partial(x, y, codes, options.n_boot, rng_pboot)
            p_w = partial_permutation_pvalue(x, y, codes, options.n_perm, rng_pperm)
            ceiling_w = ceiling_from_halves(a, b, options.n_boot, rng_ceil, codes, unit) if a is not None else None
            within = {
                "n_categories": int(per_image["category"].nunique()),
                "spearman_partial": {
                    "r": _f(r_w),
                    "ci95": _ci(percentile_ci(boot_w)),
                    "p_permutation": _f(p_w),
                    "relative_to_ceiling": _ratio(r_w, ceiling_w.spearman_brown if ceiling_w else None),
                    "disattenuated": _ratio(r_w, ceiling_w.spearman_brown if ceiling_w else None, sqrt=True),
                },
                "noise_ceiling": ceiling_w.to_dict() if ceiling_w else None,
                "method": "each variable minus the mean of its category; Spearman of the residuals; "
                "permutations within category",
            }
        stages.done("within category")

        stages.step("mixed model")
        mixed = None
        if trial_based and options.mixed_model and n_subjects >= 2:
            mt = per_image["model_time"].to_numpy(float)[table.image]
            cats = per_image["category"].to_numpy()[table.image] if has_cat else None
            logrt = np.log(used["rt"].to_numpy(float))
            try:
                mixed = fit_mixed(logrt, mt, table.subject, cats)
            except (np.linalg.LinAlgError, ValueError) as exc:
                mixed = {"coef": None, "ci95": [None, None], "p": None, "error": str(exc).splitlines()[0]}
        stages.done("mixed model")
    finally:
        stages.close()

    per_image["model_time_resid"] = per_image.get("model_time_resid", np.nan)
    per_image["human_measure_resid"] = per_image.get("human_measure_resid", np.nan)

    cat_rows = None
    if has_cat:
        rows = []
        for cat, g in per_image.groupby("category", sort=True):
            r = spearman(g["model_time"].to_numpy(), g["human_measure"].to_numpy()) if len(g) >= 3 and np.ptp(g["model_time"]) > 0 and np.ptp(g["human_measure"]) > 0 else np.nan
            rows.append(
                {
                    "category": cat,
                    "n": len(g),
                    "spearman": r,
                    "mean_model_time": g["model_time"].mean(),
                    "mean_human_measure": g["human_measure"].mean(),
                }
            )
        cat_rows = pd.DataFrame(rows)

    nc = ceiling.spearman_brown if ceiling else None
    summary = {
        "neurogrow_version": __version__,
        "created": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "inputs": dict(inputs or {}, human_format=human.format),
        "options": {k: v for k, v in asdict(options).items() if k != "progress"},
        "human_measure": measure,
        "n_stimuli": int(n),
        "n_excluded": len(excluded),
        "excluded_stimuli": excluded[:50],
        "n_subjects": int(n_subjects),
        "n_trials": int(len(table.value)) if table is not None else None,
        "n_categories": int(per_image["category"].nunique()) if has_cat else 0,
        "spearman": {
            "r": _f(r_s),
            "ci95": _ci(percentile_ci(boot["spearman"])),
            "ci95_two_level": _ci(percentile_ci(two["spearman"])) if two is not None else None,
            "p_permutation": _f(p_perm),
            "p_parametric": _f(p_s_param),
            "relative_to_ceiling": _ratio(r_s, nc),
            "disattenuated": _ratio(r_s, nc, sqrt=True),
        },
        "pearson": {
            "r": _f(r_p),
            "ci95": _ci(percentile_ci(boot["pearson"])),
            "ci95_two_level": _ci(percentile_ci(two["pearson"])) if two is not None else None,
            "p_parametric": _f(p_p_param),
        },
        "noise_ceiling": ceiling.to_dict() if ceiling else {"spearman_brown": None, "ci95": [None, None]},
        "within_category": within
        or {"spearman_partial": None, "noise_ceiling": None, "note": "no categories in the data: within-category analysis skipped"},
        "mixed_model": mixed
        or {"coef": None, "ci95": [None, None], "p": None, "note": "needs per-trial data from at least 2 subjects"},
        "notes": list(human.notes),
        "rt_checks": human.rt_checks,
    }
    summary["noise_ceiling"] = {k: (_f(v) if isinstance(v, float) else _ci(v) if isinstance(v, list) else v) for k, v in summary["noise_ceiling"].items()}
    if within and within["noise_ceiling"]:
        within["noise_ceiling"] = {k: (_f(v) if isinstance(v, float) else _ci(v) if isinstance(v, list) else v) for k, v in within["noise_ceiling"].items()}
    summary["timings_s"] = stages.timings
    cols = ["stimulus", "model_stimulus", "category", "model_time", "human_measure", "model_time_resid", "human_measure_resid"]
    rest = [c for c in per_image.columns if c not in cols]
    per_image = per_image[cols + rest]
    return Result(summary=summary, per_image=per_image, per_category=cat_rows, timings=stages.timings)


# --------------------------------------------------------------------------- output


def write_outputs(result: Result, out_dir: str | os.PathLike, overwrite: bool = False, figures: bool = True) -> Path:
    """Write ``summary.json``, ``per_image.csv``, ``report.md`` and the figures to ``out_dir`` atomically.

    Everything is written to a temporary folder beside ``out_dir`` and renamed into place; on any
    error nothing is left behind.
    """
    from neurogrow.report import write_figures, write_report

    with atomic_output_dir(out_dir, overwrite) as tmp:
        files = ["summary.json", "per_image.csv", "report.md"]
        if figures:
            files += write_figures(result, tmp)
        summary = dict(result.summary, files=files)
        result.per_image.to_csv(tmp / "per_image.csv", index=False)  # full precision: re-read values are exact
        (tmp / "summary.json").write_text(summary_json(summary))
        write_report(result, tmp / "report.md")
    return Path(out_dir).absolute()


def format_table(summary: dict) -> str:
    """A short console table of the main numbers."""

    def num(v, fmt=".3f"):
        return "n/a" if v is None else format(v, fmt)

    def ci(c):
        return "n/a" if not c or c[0] is None else f"[{c[0]:.3f}, {c[1]:.3f}]"

    def pval(p):
        if p is None:
            return "n/a"
        return "<1e-300" if p == 0 else (f"{p:.4f}" if p >= 1e-4 else f"{p:.1e}")

    s = summary
    head = f"{s['n_stimuli']} stimuli"
    if s.get("n_subjects"):
        head += f", {s['n_subjects']} subjects, {s['n_trials']} trials"
    head += f"; human measure: {s['human_measure']}"
    lines = [head, f"{'':22s}{'value':>8s}  {'95% CI':<18s}  {'p':>8s}"]
    sp = s["spearman"]
    lines.append(f"{'Spearman':22s}{num(sp['r']):>8s}  {ci(sp['ci95']):<18s}  {pval(sp['p_permutation']):>8s}")
    pe = s["pearson"]
    lines.append(f"{'Pearson':22s}{num(pe['r']):>8s}  {ci(pe['ci95']):<18s}  {'':>8s}")
    ncl = s["noise_ceiling"]
    lines.append(f"{'Noise ceiling':22s}{num(ncl.get('spearman_brown')):>8s}  {ci(ncl.get('ci95')):<18s}")
    lines.append(f"{'Spearman / ceiling':22s}{num(sp.get('relative_to_ceiling')):>8s}")
    w = s["within_category"]
    if w.get("spearman_partial"):
        wp = w["spearman_partial"]
        lines.append(f"{'Within category':22s}{num(wp['r']):>8s}  {ci(wp['ci95']):<18s}  {pval(wp['p_permutation']):>8s}")
        if w.get("noise_ceiling"):
            lines.append(f"{'  ceiling':22s}{num(w['noise_ceiling']['spearman_brown']):>8s}  {ci(w['noise_ceiling']['ci95']):<18s}")
    mm = s["mixed_model"]
    if mm.get("coef") is not None:
        lines.append(f"{'Mixed model slope':22s}{num(mm['coef'], '.4f'):>8s}  {ci(mm['ci95']):<18s}  {pval(mm['p']):>8s}")
    return "\n".join(lines)


def compare_rt(
    model_times: str | os.PathLike,
    human: str | os.PathLike,
    out_dir: str | os.PathLike | None,
    options: Options | None = None,
    overwrite: bool = False,
    labels: str | os.PathLike | None = None,
) -> Result:
    """Load both inputs, run :func:`analyse` and (if ``out_dir``) write the outputs."""
    options = options or Options()
    options.validate()
    if out_dir is not None:
        check_out_dir(out_dir, overwrite)
    times = load_model_times(model_times, options.model_time)
    data = load_human(human, labels=labels, rt=options.rt_rules())
    result = analyse(times, data, options, inputs={"model_times": str(model_times), "human": str(human)})
    if out_dir is not None:
        write_outputs(result, out_dir, overwrite)
    return result
