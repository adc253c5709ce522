"""Loader for long-format per-trial CSVs: ``subject,stimulus,rt`` (+ optional ``correct``, ``category``, ``response``).

- ``rt`` in seconds, positive and finite on every trial with a response.
- ``stimulus`` is matched by its file name without folders.
- ``correct``: 1/0 or true/false (blank: unknown).
- ``response`` (optional): the response given; blank or ``na`` marks a trial without response,
  whose ``rt`` may then be empty.  Without a ``response`` column every row is a response and a
  missing ``rt`` is an error.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from neurogrow.errors import DataError
from neurogrow.human._common import (
    check_categories,
    check_duplicates,
    check_rts,
    line_of,
    normalise_labels,
    parse_bools,
    parse_numbers,
    read_csv_text,
    require_columns,
    stimulus_key,
)
from neurogrow.human.base import TRIAL_COLUMNS, HumanData
from neurogrow.human.validate import RTRules, check_trial_rts

REQUIRED = ["subject", "stimulus", "rt"]
#: The columns of a long-format CSV, required and optional: the names a column map (``--columns``) may give.
COLUMNS = ("subject", "stimulus", "rt", "correct", "category", "response")


def column_map(spec: str | dict | None) -> dict[str, str] | None:
    """``--columns rt=reaction_time,stimulus=image`` (or ``columns={"rt": "reaction_time", ...}``) as a dict:
    for each long-format column (:data:`COLUMNS`), the name of the column of the user's file that holds it."""
    if spec is None or spec == "" or spec == {}:
        return None
    if isinstance(spec, str):
        pairs = [item.split("=", 1) for item in spec.split(",") if item.strip()]
        if any(len(p) != 2 for p in pairs):
            raise DataError(f"--columns {spec}: expected NAME=COLUMN pairs separated by commas, e.g. rt=reaction_time,stimulus=image")
        mapping = {k.strip(): v.strip() for k, v in pairs}
    elif isinstance(spec, dict):
        mapping = {str(k): str(v) for k, v in spec.items()}
    else:
        raise DataError(f"--columns: got {type(spec).__name__}; expected a dict or NAME=COLUMN,... text")
    unknown = [k for k in mapping if k not in COLUMNS]
    if unknown or any(not v for v in mapping.values()):
        raise DataError(
            f"--columns {', '.join(f'{k}={v}' for k, v in mapping.items())}: "
            + (f"{', '.join(unknown)} is not a long-format column" if unknown else "a column name is empty")
            + f"; expected NAME=COLUMN with NAME one of {', '.join(COLUMNS)} (required: {', '.join(REQUIRED)})"
        )
    return mapping


def _renamed(df: pd.DataFrame, columns: dict[str, str], path: Path) -> pd.DataFrame:
    """``df`` with the user's columns renamed to the long-format names of ``columns``."""
    absent = [v for v in columns.values() if v not in df.columns]
    if absent:
        raise DataError(
            f"{path}: --columns names {', '.join(absent)}, which the file does not have (found: {', '.join(df.columns) or 'none'})"
        )
    shadowed = [c for c in columns if c in df.columns and c not in columns.values()]  # the file's own column of that name is replaced
    return df.drop(columns=shadowed).rename(columns={v: k for k, v in columns.items()})


def is_long_header(columns: list[str]) -> bool:
    return set(REQUIRED) <= set(columns)


def load_long_csv(path: str | os.PathLike, rt: RTRules | None = None, columns: str | dict | None = None) -> HumanData:
    """Load a long-format per-trial CSV (RTs in seconds unless ``rt.unit`` says otherwise); ``columns``
    names the file's columns that hold the long-format ones (:func:`column_map`)."""
    path = Path(path)
    df = read_csv_text(path)
    mapping = column_map(columns)
    if mapping:
        df = _renamed(df, mapping, path)
    require_columns(df, REQUIRED, path, "long-format trial" + (" (after --columns)" if mapping else ""))
    rules, rt_values = rt, parse_numbers(df["rt"], path, "rt")
    if "response" in df.columns:
        responded = ~df["response"].str.lower().isin({"", "na", "nan", "none"}).to_numpy()
    else:
        responded = np.ones(len(df), dtype=bool)
    check_rts(rt_values, responded, df.index, path)
    for col in ("subject", "stimulus"):
        empty = np.flatnonzero((df[col] == "").to_numpy())
        if empty.size:
            raise DataError(f"{path}: line {line_of(df.index[empty[0]])}: column {col} is empty; expected a value")
    correct = parse_bools(df["correct"], path, "correct") if "correct" in df.columns else pd.Series(pd.NA, index=df.index, dtype="boolean")
    correct[~responded] = pd.NA
    if "category" in df.columns:
        category = normalise_labels(df["category"].where(df["category"] != "", None))
        if category.isna().any() and category.notna().any():
            i = int(np.flatnonzero(category.isna().to_numpy())[0])
            raise DataError(f"{path}: line {line_of(df.index[i])}: column category is empty; expected a value on every row")
    else:
        category = pd.Series(None, index=df.index, dtype=object)
    response = normalise_labels(df["response"]).to_numpy(dtype=object) if "response" in df.columns else np.full(len(df), None, dtype=object)
    trials = pd.DataFrame(
        {
            "subject": df["subject"].to_numpy(),
            "stimulus": df["stimulus"].map(stimulus_key).to_numpy(),
            "rt": np.where(responded, rt_values, np.nan),
            "responded": responded,
            "correct": correct.astype("boolean").to_numpy(),
            "category": category.to_numpy(dtype=object),
            "response": [r if ok else None for r, ok in zip(response, responded)],
            "_line": [line_of(i) for i in df.index],
        }
    )
    check_duplicates(trials, path, trials["_line"])
    check_categories(trials, path, trials["_line"])
    trials, checks = check_trial_rts(trials, "s", rules, str(path))
    trials["correct"] = trials["correct"].astype("boolean")
    return HumanData(format="long_csv", source=str(path), trials=trials[TRIAL_COLUMNS], rt_checks=checks)
