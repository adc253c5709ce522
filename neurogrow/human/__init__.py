"""Human behavioural data for comparison with model halting times.

:func:`load_human` detects the format of a path and returns a :class:`HumanData`:

- a folder of Geirhos et al. (2019) per-subject trial CSVs (or one such CSV) -> ``geirhos2019``;
- a CSV with columns ``subject, stimulus, rt`` (+ ``correct``, ``category``, ``response``) -> ``long_csv``;
- a CSV with the CIFAR-10H per-trial columns (``annotator_id``, ``is_attn_check``,
  ``cifar10_test_set_idx``, ``reaction_time``, ...) -> ``cifar10h_trials``;
- a ``.npy`` integer counts matrix (CIFAR-10H ``cifar10h-counts.npy``) -> ``cifar10h_counts``.
"""
from __future__ import annotations

import os
from pathlib import Path

from neurogrow.errors import DataError
from neurogrow.human._common import read_header
from neurogrow.human.base import IMAGE_COLUMNS, TRIAL_COLUMNS, HumanData
from neurogrow.human.cifar10h import is_cifar10h_header, load_cifar10h_counts, load_cifar10h_trials
from neurogrow.human.geirhos import is_geirhos_header, load_geirhos
from neurogrow.human.long_csv import is_long_header, load_long_csv
from neurogrow.human.validate import RTRules

__all__ = [
    "IMAGE_COLUMNS",
    "TRIAL_COLUMNS",
    "HumanData",
    "RTRules",
    "detect_format",
    "load_cifar10h_counts",
    "load_cifar10h_trials",
    "load_geirhos",
    "load_human",
    "load_long_csv",
]

FORMATS = ("geirhos2019", "long_csv", "cifar10h_trials", "cifar10h_counts")


def detect_format(path: str | os.PathLike) -> str:
    """Name of the human-data format of ``path`` (one of :data:`FORMATS`)."""
    path = Path(path)
    if path.is_dir():
        return "geirhos2019"
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; expected human data (a folder of trial CSVs, a CSV or a .npy)")
    if path.suffix.lower() == ".npy":
        return "cifar10h_counts"
    cols = read_header(path)
    if is_cifar10h_header(cols):
        return "cifar10h_trials"
    if is_long_header(cols):
        return "long_csv"
    if is_geirhos_header(cols):
        return "geirhos2019"
    # some but not all columns of a format: load it as that format, whose check names what is missing
    present = set(cols)
    if present & {"annotator_id", "cifar10_test_set_idx", "is_attn_check", "reaction_time"}:
        return "cifar10h_trials"
    if present & {"imagename", "object_response", "subj"}:
        return "geirhos2019"
    if present & {"subject", "stimulus", "rt"}:
        return "long_csv"
    raise DataError(
        f"{path}: unknown human-data format (columns: {', '.join(cols) or 'none'}); expected subject,stimulus,rt "
        "(long CSV), the CIFAR-10H per-trial columns, or the Geirhos et al. 2019 columns"
    )


def load_human(
    path: str | os.PathLike, labels: str | os.PathLike | None = None, rt: RTRules | None = None
) -> HumanData:
    """Load human data from ``path``, detecting its format (``labels``: CIFAR-10H counts only).

    ``rt``: the RT unit and explicit exclusions (:class:`~neurogrow.human.validate.RTRules`);
    per-trial RTs are checked by :func:`~neurogrow.human.validate.check_trial_rts`.
    """
    fmt = detect_format(path)
    if fmt == "geirhos2019":
        return load_geirhos(path, rt)
    if fmt == "long_csv":
        return load_long_csv(path, rt)
    if fmt == "cifar10h_trials":
        return load_cifar10h_trials(path, rt)
    return load_cifar10h_counts(path, labels=labels)
