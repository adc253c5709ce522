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

__all__ = ["is_hdf5", "load_model_times", "match_stimuli", "model_times_frame"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def is_hdf5(path: Path) -> bool:
    """Whether ``path`` starts with the HDF5 signature."""
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_MAGIC
    except OSError:
        return False


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
    if is_hdf5(path):
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
