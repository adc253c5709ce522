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


#: Suffixes of files that are certainly not human data (images, archives, documents).
_NOT_DATA = {
    ".jpg": "a JPEG image", ".jpeg": "a JPEG image", ".png": "a PNG image", ".gif": "a GIF image", ".webp": "a WebP image",
    ".tif": "a TIFF image", ".tiff": "a TIFF image", ".bmp": "a BMP image", ".h5": "an HDF5 file (model times?)",
    ".hdf5": "an HDF5 file", ".pt": "a torch file", ".zip": "a zip archive", ".gz": "a gzip archive", ".pdf": "a PDF document",
    ".xlsx": "an Excel workbook (save it as CSV)", ".xls": "an Excel workbook (save it as CSV)", ".json": "a JSON file",
}
WHAT_HUMAN_IS = (
    "HUMAN must be a folder of Geirhos et al. 2019 trial CSVs, a long-format trial CSV (subject,stimulus,rt; "
    "other names with --columns rt=COLUMN,...), a CIFAR-10H per-trial CSV, or CIFAR-10H counts (.npy)"
)


def _not_a_table(path: Path) -> str | None:
    """What ``path`` is when it is not text (an image, an archive...), else None."""
    what = _NOT_DATA.get(path.suffix.lower())
    if what is None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(4096)
        except OSError:
            return None
        if b"\0" in head:
            return "a binary file"
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not a character cut at the end of the sample
                return "not UTF-8 text"
    return what


def _tried(cols: list[str]) -> str:
    """Every format tried, what each needs and what the file lacks."""
    from neurogrow.human import cifar10h, geirhos, long_csv

    present = set(cols)
    parts = []
    for name, required in (("long-format CSV", long_csv.REQUIRED), ("CIFAR-10H per-trial CSV", cifar10h.REQUIRED),
                           ("Geirhos et al. 2019 trial CSV", geirhos.REQUIRED)):
        missing = [c for c in required if c not in present]
        parts.append(f"{name} needs {', '.join(required)} (missing {', '.join(missing)})")
    parts.append("CIFAR-10H counts is a .npy file")
    return "; ".join(parts)


def detect_format(path: str | os.PathLike, columns: str | dict | None = None) -> str:
    """Name of the human-data format of ``path`` (one of :data:`FORMATS`); with ``columns`` (a column
    map, :func:`~neurogrow.human.long_csv.column_map`) a CSV is a long-format CSV."""
    path = Path(path)
    if path.is_dir():
        if columns:
            raise DataError(f"{path}: a folder; --columns applies to one long-format CSV file")
        return "geirhos2019"
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; expected human data (a folder of trial CSVs, a CSV or a .npy)")
    if path.suffix.lower() == ".npy":
        return "cifar10h_counts"
    what = _not_a_table(path)
    if what is not None:
        raise DataError(f"{path}: {what}, not human data; {WHAT_HUMAN_IS}")
    if columns:
        return "long_csv"
    cols = read_header(path)
    if is_cifar10h_header(cols):
        return "cifar10h_trials"
    if is_long_header(cols):
        return "long_csv"
    if is_geirhos_header(cols):
        return "geirhos2019"
    # two formats' distinctive columns: load as that format, whose check names what is missing
    present = set(cols)
    if {"annotator_id", "cifar10_test_set_idx"} <= present:
        return "cifar10h_trials"
    if {"imagename", "object_response", "subj"} <= present:
        return "geirhos2019"
    raise DataError(
        f"{path}: unknown human-data format (columns: {', '.join(cols) or 'none'}). Tried: {_tried(cols)}. "
        "For a long-format CSV with other column names pass --columns, e.g. --columns subject=participant,stimulus=image,rt=reaction_time"
    )


def load_human(
    path: str | os.PathLike,
    labels: str | os.PathLike | None = None,
    rt: RTRules | None = None,
    columns: str | dict | None = None,
) -> HumanData:
    """Load human data from ``path``, detecting its format (``labels``: CIFAR-10H counts only).

    ``rt``: the RT unit and explicit exclusions (:class:`~neurogrow.human.validate.RTRules`);
    per-trial RTs are checked by :func:`~neurogrow.human.validate.check_trial_rts`.
    ``columns``: a long-format CSV's column map (``{"rt": "reaction_time", "stimulus": "image", ...}``
    or ``"rt=reaction_time,stimulus=image"``; :func:`~neurogrow.human.long_csv.column_map`).
    """
    fmt = detect_format(path, columns)
    if fmt == "geirhos2019":
        return load_geirhos(path, rt)
    if fmt == "long_csv":
        return load_long_csv(path, rt, columns)
    if fmt == "cifar10h_trials":
        return load_cifar10h_trials(path, rt)
    return load_cifar10h_counts(path, labels=labels)
