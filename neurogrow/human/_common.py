"""Helpers shared by the human-data loaders: CSV reading, number parsing, one-line errors."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from neurogrow.errors import DataError

#: Strings read as "no value" in numeric columns.
MISSING = {"", "na", "nan", "n/a", "none", "null", "<na>"}

TRUE = {"1", "1.0", "true", "t", "yes", "y"}
FALSE = {"0", "0.0", "false", "f", "no", "n"}


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read a CSV with every cell as a stripped string (no implicit NA conversion)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a CSV with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: not a readable CSV ({msg})") from None
    df.columns = [str(c).strip() for c in df.columns]
    for c in df.columns:
        df[c] = df[c].str.strip()
    return df


def read_header(path: Path) -> list[str]:
    """Column names of a CSV file (``[]`` if it has none)."""
    try:
        return [str(c).strip() for c in pd.read_csv(path, nrows=0).columns]
    except pd.errors.EmptyDataError:
        return []
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: not a readable CSV ({msg})") from None


def require_columns(df: pd.DataFrame, required: list[str], path: Path, what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; a {what} file needs columns {', '.join(required)}"
            f" (found: {', '.join(df.columns) or 'none'})"
        )
    if len(df) == 0:
        raise DataError(f"{path}: no data rows; expected at least one trial")


def line_of(index: int) -> int:
    """File line number of a data row (the header is line 1)."""
    return int(index) + 2


def parse_numbers(col: pd.Series, path: Path, name: str) -> np.ndarray:
    """Parse a text column into floats; missing markers become NaN, anything else non-numeric is an error."""
    low = col.str.lower()
    missing = low.isin(MISSING).to_numpy()
    values = pd.to_numeric(col.where(~missing, None), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~missing & np.isnan(values))
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{path}: line {line_of(col.index[i])}: column {name} is {col.iloc[i]!r}; expected a number"
            + (f" ({bad.size} such rows)" if bad.size > 1 else "")
        )
    return values


def parse_bools(col: pd.Series, path: Path, name: str) -> pd.Series:
    """Parse 1/0/true/false/yes/no (case-insensitive); blank or NA gives <NA>; anything else is an error."""
    low = col.str.lower()
    is_true = low.isin(TRUE)
    is_false = low.isin(FALSE)
    is_missing = low.isin(MISSING)
    bad = np.flatnonzero(~(is_true | is_false | is_missing).to_numpy())
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{path}: line {line_of(col.index[i])}: column {name} is {col.iloc[i]!r}; expected 1/0 or true/false"
        )
    out = pd.Series(pd.NA, index=col.index, dtype="boolean")
    out[is_true.to_numpy()] = True
    out[is_false.to_numpy()] = False
    return out


def normalise_labels(col: pd.Series) -> pd.Series:
    """Responses and categories as compared everywhere: surrounding whitespace removed, lower case
    (``" Knife"`` is ``knife``); missing values stay missing."""
    return col.map(lambda v: v if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v).strip().lower())


def check_categories(trials: pd.DataFrame, path_of: pd.Series | Path, line: pd.Series) -> None:
    """One category per stimulus across every file: a stimulus that two rows give different categories is an
    error naming both places (file and line)."""
    known = trials["category"].notna().to_numpy()
    if not known.any():
        return
    cats = trials.loc[known, ["stimulus", "category"]]
    counts = cats.groupby("stimulus")["category"].nunique()
    if not (counts > 1).any():
        return
    stim = counts[counts > 1].index[0]
    rows = np.flatnonzero(known & (trials["stimulus"].to_numpy() == stim))
    first = rows[0]
    other = next(j for j in rows if trials["category"].iloc[j] != trials["category"].iloc[first])

    def where(j: int) -> str:
        return f"{path_of.iloc[j] if isinstance(path_of, pd.Series) else path_of} line {int(line.iloc[j])}"

    raise DataError(
        f"stimulus {stim!r} has category {trials['category'].iloc[first]!r} in {where(first)} but "
        f"{trials['category'].iloc[other]!r} in {where(other)}; expected one category per stimulus "
        f"({int((counts > 1).sum())} such stimuli)"
    )


_SEP = re.compile(r"[\\/]")


def stimulus_key(name: str) -> str:
    """The file name without folders: ``edges/oven/oven10.png`` -> ``oven10.png``."""
    return _SEP.split(str(name).strip())[-1]


def check_rts(rt: np.ndarray, responded: np.ndarray, index: pd.Index, path: Path, hint: str = "") -> None:
    """Every trial with a response needs a finite positive RT."""
    bad_nan = np.flatnonzero(responded & ~np.isfinite(rt))
    if bad_nan.size:
        i = bad_nan[0]
        raise DataError(
            f"{path}: line {line_of(index[i])}: rt is missing or not finite for a trial with a response; "
            f"expected a positive number (a reaction time){hint}"
            + (f" ({bad_nan.size} such rows)" if bad_nan.size > 1 else "")
        )
    bad_neg = np.flatnonzero(responded & (rt <= 0))
    if bad_neg.size:
        i = bad_neg[0]
        raise DataError(
            f"{path}: line {line_of(index[i])}: rt is {rt[i]:g}; expected a positive number (a reaction time)"
            + (f" ({bad_neg.size} such rows)" if bad_neg.size > 1 else "")
        )


def check_duplicates(trials: pd.DataFrame, path_of: pd.Series | Path, line: pd.Series) -> None:
    """One trial per subject and stimulus."""
    dup = trials.duplicated(["subject", "stimulus"], keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        first = trials.iloc[rows[0]]
        same = np.flatnonzero(
            dup & (trials["subject"].to_numpy() == first["subject"]) & (trials["stimulus"].to_numpy() == first["stimulus"])
        )
        where = [
            f"{path_of.iloc[j] if isinstance(path_of, pd.Series) else path_of} line {int(line.iloc[j])}" for j in same[:2]
        ]
        n_pairs = int(trials[dup].drop_duplicates(["subject", "stimulus"]).shape[0])
        raise DataError(
            f"duplicate trial: subject {first['subject']!r} saw stimulus {first['stimulus']!r} more than once "
            f"({' and '.join(where)}); expected one trial per subject and stimulus ({n_pairs} duplicated pairs)"
        )
