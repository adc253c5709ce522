"""Loader for the per-subject trial CSVs of Geirhos et al. (2019).

Columns: ``subj, session, trial, rt, object_response, category, condition, imagename``
(``object_response`` is the trial's ``response``; it and ``category`` are compared after one
normalisation, :func:`~neurogrow.human._common.normalise_labels`: surrounding whitespace removed,
lower case). A stimulus that two files give different categories is an error naming both.
``rt`` is seconds from the icon grid's onset to the click; a trial without a response has
``object_response == "na"`` and an empty/NaN ``rt`` (a legitimate non-response, kept with
``responded = False``).  The stimulus is the part of ``imagename`` after the 6th underscore
(``0001_edg_s01_0_oven_00_oven10.png`` -> ``oven10.png``).
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
    parse_numbers,
    read_csv_text,
    require_columns,
    stimulus_key,
)
from neurogrow.human.base import TRIAL_COLUMNS, HumanData
from neurogrow.human.validate import RTRules, check_trial_rts

REQUIRED = ["subj", "rt", "object_response", "category", "imagename"]
NO_RESPONSE = {"na", ""}


def is_geirhos_header(columns: list[str]) -> bool:
    return set(REQUIRED) <= set(columns)


def stimulus_from_imagename(name: str) -> str | None:
    """``0001_edg_s01_0_oven_00_oven10.png`` -> ``oven10.png`` (None if there are fewer than 6 underscores)."""
    parts = stimulus_key(name).split("_", 6)
    if len(parts) < 7 or not parts[6]:
        return None
    return parts[6]


def read_geirhos_csv(path: Path) -> pd.DataFrame:
    """One subject file -> trial rows (plus ``_file`` and ``_line`` for error messages)."""
    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "Geirhos et al. 2019 trial")
    rt = parse_numbers(df["rt"], path, "rt")
    resp = normalise_labels(df["object_response"])
    category = normalise_labels(df["category"])
    responded = ~resp.isin(NO_RESPONSE).to_numpy()
    check_rts(rt, responded, df.index, path, hint=' (object_response "na" marks a trial without response)')
    stim = df["imagename"].map(stimulus_from_imagename)
    bad = np.flatnonzero(stim.isna().to_numpy())
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{path}: line {line_of(df.index[i])}: imagename {df['imagename'].iloc[i]!r} has no stimulus file name; "
            "expected e.g. 0001_edg_s01_0_oven_00_oven10.png (the file name follows the 6th underscore)"
        )
    empty = np.flatnonzero((df["subj"] == "").to_numpy() | (df["category"] == "").to_numpy())
    if empty.size:
        i = empty[0]
        raise DataError(f"{path}: line {line_of(df.index[i])}: subj or category is empty; expected a value")
    correct = pd.Series((resp == category).to_numpy(), dtype="boolean")
    correct[~responded] = pd.NA
    out = pd.DataFrame(
        {
            "subject": df["subj"].to_numpy(),
            "stimulus": stim.to_numpy(),
            "rt": np.where(responded, rt, np.nan),
            "responded": responded,
            "correct": correct.to_numpy(),
            "category": category.to_numpy(),
            "response": [r if ok else None for r, ok in zip(resp.to_numpy(dtype=object), responded)],
            "_file": str(path),
            "_line": [line_of(i) for i in df.index],
        }
    )
    return out


def load_geirhos(path: str | os.PathLike, rt: RTRules | None = None) -> HumanData:
    """Load a folder of Geirhos et al. (2019) subject CSVs (or one such CSV); RTs checked by ``rt`` rules."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.csv") if p.is_file())
        if not files:
            subdirs = sorted({str(p.parent.relative_to(path)) for p in path.rglob("*.csv")})
            shown = ", ".join(subdirs[:4]) + (", ..." if len(subdirs) > 4 else "")
            extra = f"; it has experiment folders {shown}: pass one of them" if subdirs else ""
            raise DataError(f"{path}: no CSV files in this folder; expected per-subject trial CSVs{extra}")
    elif path.is_file():
        files = [path]
    else:
        raise DataError(f"{path}: no such file or folder")
    # the repository's experiment folders also hold the responses of networks (alexnet, vgg, ...):
    # where files of human subjects (``*_subject-NN_*``) exist, only those are read
    humans = [f for f in files if "_subject-" in f.name]
    skipped = [f.name for f in files if f not in humans] if humans else []
    files = humans or files
    parts = []
    for f in files:
        parts.append(read_geirhos_csv(f))
    trials = pd.concat(parts, ignore_index=True)
    check_duplicates(trials, trials["_file"], trials["_line"])
    check_categories(trials, trials["_file"], trials["_line"])
    trials, checks = check_trial_rts(trials, "s", rt, str(path))
    trials["correct"] = trials["correct"].astype("boolean")
    notes = [f"skipped {len(skipped)} files that are not of human subjects: {', '.join(skipped)}"] if skipped else []
    return HumanData(
        format="geirhos2019",
        source=str(path),
        trials=trials[TRIAL_COLUMNS].reset_index(drop=True),
        notes=notes,
        rt_checks=checks,
    )
