"""Stage 2 of compare-rt: the model's time per stimulus, and its match to the human stimuli.

Model times come from an extract HDF5 file or a CSV ``stimulus,model_time``
(:func:`load_model_times`); :func:`match_stimuli` pairs them with the human data's stimuli.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from neurogrow.errors import DataError
from neurogrow.human._common import line_of, parse_numbers, read_csv_text, stimulus_key

__all__ = [
    "BASELINE_PREFIX",
    "STEP_BASELINES",
    "add_baseline_file",
    "is_hdf5_times",
    "load_model_times",
    "match_stimuli",
    "model_times_frame",
    "step_baselines",
    "times_from_extract",
]

#: Prefix of the model-times columns holding a baseline (``baseline:step1_entropy``).
BASELINE_PREFIX = "baseline:"
#: Baselines computed from the per-step class probabilities of the same times file.
STEP_BASELINES = ("step1_uncertainty", "step1_entropy", "final_entropy", "confidence_step")
#: Max class probability that defines the confidence step.
CONFIDENCE_THRESHOLD = 0.5


def _entropy(p: np.ndarray) -> np.ndarray:
    """Entropy in nats over the last axis (0 log 0 = 0)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log(np.where(p > 0, p, 1.0))
    return -(p * logp).sum(axis=-1) + 0.0


def step_baselines(probs: np.ndarray, exit_step: np.ndarray, threshold: float = CONFIDENCE_THRESHOLD) -> dict[str, np.ndarray]:
    """The confidence baselines of a network from its per-step class probabilities (N, T, K).

    ``step1_uncertainty`` = 1 - max_k p_1k; ``step1_entropy`` = entropy (nats) of p_1;
    ``final_entropy`` = entropy of the answer, p at the exit step; ``confidence_step`` = first step
    t (from 1) with max_k p_tk >= ``threshold``, T if none.  NaN where the probabilities needed
    are unknown (``--exit-only`` files after an image's exit).
    """
    p = np.asarray(probs, dtype=np.float64)
    n, T, _ = p.shape
    exit_idx = np.clip(np.asarray(exit_step, dtype=np.int64) - 1, 0, T - 1)
    top = p.max(axis=2)
    known = np.isfinite(top)
    reached = (top >= threshold) & known
    first = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, T).astype(float)
    # undetermined when a step before the first confident one is unknown
    unknown_before = np.array([not known[i, : int(first[i])].all() for i in range(n)], dtype=bool)
    first[unknown_before] = np.nan
    return {
        "step1_uncertainty": 1.0 - top[:, 0],
        "step1_entropy": _entropy(p[:, 0]),
        "final_entropy": _entropy(p[np.arange(n), exit_idx]),
        "confidence_step": first,
    }


def times_from_extract(result) -> pd.DataFrame:
    """The model-times table of an :class:`~neurogrow.inference.extract.ExtractResult`, with its
    step baselines and its recorded source (``attrs``), as :func:`load_model_times` reads it from a file."""
    table = result.table.copy()
    for name, values in step_baselines(result.step_probs, table["exit_step"].to_numpy()).items():
        table[BASELINE_PREFIX + name] = values
    table.attrs = dict(result.attrs)
    return table


def add_baseline_file(model: pd.DataFrame, spec: str, column: str = "expected_steps") -> pd.DataFrame:
    """Add another model's times (``--baseline FILE[:COLUMN]``) as a ``baseline:<name>`` column.

    ``FILE`` is an extract HDF5 file or a CSV (``stimulus`` and the column, default
    ``expected_steps`` / ``model_time``); the name is the file's stem (plus ``:COLUMN`` when one is
    given).  Every model stimulus must have a value, and where both files carry ``sha256`` the
    images must be the same.
    """
    path, col = Path(spec), None
    if not path.exists() and ":" in spec:
        head, tail = spec.rsplit(":", 1)
        path, col = Path(head), tail
    name = path.stem + (f":{col}" if col else "")
    source = f"--baseline {spec}"
    if not path.is_file():
        raise DataError(f"{source}: file not found; expected FILE[:COLUMN] with FILE an extract .h5 file or a CSV")
    if is_hdf5_times(path):
        from neurogrow.io import read_times

        table = read_times(path)
        if col is not None and col not in table.columns:
            raise DataError(f"{source}: no column {col!r}; expected one of {', '.join(table.columns)}")
        other = model_times_frame(table.rename(columns={col: "model_time"}) if col else table, column, str(path))
    else:
        df = read_csv_text(path)
        use = col or ("model_time" if "model_time" in df.columns else column)
        if use not in df.columns or "stimulus" not in df.columns:
            raise DataError(f"{source}: expected columns stimulus and {use} (found: {', '.join(df.columns)})")
        values = parse_numbers(df[use], path, use)
        from neurogrow.io.checks import check_model_time_values

        check_model_time_values(values, df["stimulus"], source, [line_of(i) for i in df.index])
        other = pd.DataFrame({"stimulus": df["stimulus"].to_numpy(), "model_time": values})
        if "sha256" in df.columns:
            other["sha256"] = df["sha256"].str.strip().str.lower().to_numpy()
    key = other["stimulus"].map(stimulus_key)
    if key.duplicated().any():
        raise DataError(f"{source}: stimulus file name {key[key.duplicated()].iloc[0]!r} appears twice; expected one row per stimulus")
    other.index = key
    mine = model["stimulus"].map(stimulus_key)
    absent = ~mine.isin(other.index)
    if absent.any():
        raise DataError(f"{source}: {int(absent.sum())} of {len(model)} model stimuli have no time in it (first: {mine[absent].iloc[0]!r}); expected the same stimuli")
    if "sha256" in model.columns and "sha256" in other.columns:
        theirs = other.loc[mine, "sha256"].to_numpy()
        differ = theirs != model["sha256"].to_numpy()
        if differ.any():
            i = int(np.flatnonzero(differ)[0])
            raise DataError(
                f"{source}: stimulus identity: {int(differ.sum())} of {len(model)} stimuli are other images than in the model times "
                f"(first: {model['stimulus'].iloc[i]!r}); expected times on the same images"
            )
    name = name if BASELINE_PREFIX + name not in model.columns else f"{name}#{sum(c.startswith(BASELINE_PREFIX) for c in model.columns)}"
    out = model.copy()
    out[BASELINE_PREFIX + name] = other.loc[mine, "model_time"].to_numpy(float)
    out.attrs = dict(model.attrs)
    return out


def is_hdf5_times(path: Path) -> bool:
    """Whether ``path`` is an HDF5 times file, by its content (:func:`neurogrow.io.times.sniff_times_file`:
    a ``.h5`` name without the HDF5 signature is an error, not a CSV)."""
    from neurogrow.io.times import sniff_times_file

    return sniff_times_file(path) == "hdf5"


def model_times_frame(table: pd.DataFrame, column: str = "expected_steps", source: str = "model times") -> pd.DataFrame:
    """Normalise a table of model times to columns ``stimulus, model_time`` (+ ``category`` if known).

    Accepts the output of :func:`neurogrow.io.read_times` / ``neurogrow.inference.extract.extract_times``
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
    for col in table.columns:
        if col == "sha256" or col.startswith(BASELINE_PREFIX):
            out[col] = table[col].to_numpy()
    out.attrs = dict(table.attrs)
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
    if is_hdf5_times(path):
        from neurogrow.io import load_times_file

        times = load_times_file(path)  # one open: E[t] and the baselines come from the same file
        table = times.table
        assert times.probs is not None
        for name, values in step_baselines(times.probs, table["exit_step"].to_numpy()).items():
            table[BASELINE_PREFIX + name] = values
        return model_times_frame(table, column, str(path))
    df = read_csv_text(path)
    if "model_time" not in df.columns and column in df.columns:  # e.g. read_times(...).to_csv()
        df = df.rename(columns={column: "model_time"})
    missing = [c for c in ("stimulus", "model_time") if c not in df.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; model times need columns stimulus,model_time "
            f"(found: {', '.join(df.columns)})"
        )
    if len(df) == 0:
        raise DataError(f"{path}: no data rows; expected one row per stimulus")
    values = parse_numbers(df["model_time"], path, "model_time")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = bad[0]
        raise DataError(f"{path}: line {line_of(df.index[i])}: model_time is {df['model_time'].iloc[i]!r}; expected a finite number")
    from neurogrow.io.times import check_model_time_values

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
    if "sha256" in df.columns:
        table["sha256"] = df["sha256"].str.strip().str.lower().to_numpy()
    return table


def _examples(items, k: int = 3) -> str:
    items = list(items)
    shown = ", ".join(repr(x) for x in items[:k])
    return shown + (", ..." if len(items) > k else "")


def match_stimuli(model: pd.DataFrame, human_stimuli: list[str], allow_unmatched: bool = False, hint: str = "") -> pd.DataFrame:
    """Match model stimuli to human stimulus keys by file name without folders.

    Returns one row per matched human stimulus: ``stimulus`` (the human key), ``model_stimulus``,
    ``model_time`` (and ``model_category`` if the model table has categories, ``sha256`` and the
    ``baseline:<name>`` columns if it has them).  Errors: no
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
    for col in m.columns:
        if col == "sha256" or col.startswith(BASELINE_PREFIX):
            out[col] = m[col].to_numpy()
    return out.sort_values("stimulus", kind="stable").reset_index(drop=True)
