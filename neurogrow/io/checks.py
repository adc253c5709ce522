"""Checks of model times, before they are written or used: no silently wrong answers.

:func:`check_step_times` refuses step times that no halting model produces (used by
:func:`neurogrow.io.times.write_times` and when reading); :func:`check_model_time_values`
refuses negative, non-finite or absurdly large (> 1e6) model times in a CSV; :func:`sniff_times_file` tells an HDF5 times file from
a CSV by its content. Re-exported by :mod:`neurogrow.io.times`.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from neurogrow.errors import DataError

__all__ = ["HDF5_MAGIC", "HDF5_SUFFIXES", "MAX_MODEL_TIME", "STEP_TOL", "check_model_time_values", "check_step_times", "is_hdf5", "sniff_times_file"]

#: Tolerance of the checks of step times and halting distributions (float32 storage, float64 sums).
STEP_TOL = 1e-3
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
#: Largest plausible model time (steps or seconds); a larger one is an error, not a number to correlate.
MAX_MODEL_TIME = 1e6
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5")


def check_step_times(
    expected: np.ndarray, exit_step: np.ndarray, halting: np.ndarray | None, stimuli, source: str, n_steps: int | None = None
) -> None:
    """Refuse step times that no halting model produces; raises :class:`DataError` naming the first stimulus.

    Steps are counted from 1 to T (``n_steps``, else the halting width): ``exit_step`` must be an
    integer in [1, T]; ``expected_steps`` in [1, T] (NaN allowed: unknown in ``exit-only`` files);
    the halting distribution non-negative, so that its cumulative sum (which defines the exit
    step) is monotone, summing to at most 1 (exactly 1 where every step is known); and where a
    whole row is known ``expected_steps`` equals sum_t t pi_t (within :data:`STEP_TOL`).
    """
    stimuli = list(stimuli)
    exp = np.asarray(expected, dtype=float)
    ext = np.asarray(exit_step, dtype=float)
    h = None if halting is None else np.asarray(halting, dtype=float)
    if n_steps is None:
        n_steps = h.shape[1] if h is not None and h.ndim == 2 else None

    def fail(i: int, what: str, expected_text: str, count: int) -> None:
        more = f" ({count} such stimuli)" if count > 1 else ""
        raise DataError(f"{source}: stimulus {stimuli[i]!r}: {what}; expected {expected_text}{more}")

    bad = np.flatnonzero(np.isinf(exp) | (exp < 1 - STEP_TOL) | ((exp > n_steps + STEP_TOL) if n_steps else False))
    if bad.size:
        fail(bad[0], f"expected_steps is {exp[bad[0]]:g}", f"a number of steps in [1, {n_steps or 'T'}] (steps are counted from 1)", bad.size)
    bad = np.flatnonzero(~np.isfinite(ext) | (ext != np.round(ext)) | (ext < 1) | ((ext > n_steps) if n_steps else False))
    if bad.size:
        fail(bad[0], f"exit_step is {ext[bad[0]]:g}", f"an integer step in [1, {n_steps or 'T'}]", bad.size)
    if h is None:
        return
    if h.ndim != 2 or h.shape[0] != len(exp):
        raise DataError(f"{source}: /halting has shape {h.shape}; expected ({len(exp)}, steps)")
    negative = np.isinf(h) | (np.nan_to_num(h, nan=0.0, posinf=0.0, neginf=0.0) < -STEP_TOL)
    rows = np.flatnonzero(negative.any(axis=1))
    if rows.size:
        i = rows[0]
        t = int(np.flatnonzero(negative[i])[0]) + 1
        fail(i, f"halting probability at step {t} is {h[i, t - 1]:g}, so the cumulative halting probability is not monotone",
             "finite probabilities >= 0", rows.size)
    total = np.nansum(h, axis=1)
    known = np.isfinite(h).all(axis=1)
    bad = np.flatnonzero((total > 1 + STEP_TOL) | (known & (np.abs(total - 1) > STEP_TOL)))
    if bad.size:
        fail(bad[0], f"halting probabilities sum to {total[bad[0]]:g}", "a distribution over steps summing to 1", bad.size)
    steps = np.arange(1, h.shape[1] + 1)
    recomputed = np.where(known, np.nan_to_num(h) @ steps, np.nan)
    bad = np.flatnonzero(known & np.isfinite(exp) & (np.abs(recomputed - exp) > STEP_TOL * max(1, h.shape[1])))
    if bad.size:
        i = bad[0]
        fail(i, f"expected_steps is {exp[i]:g} but its halting distribution gives {recomputed[i]:g}",
             "expected_steps = sum_t t * halting_t", bad.size)


def check_model_time_values(values: np.ndarray, stimuli, source: str, lines=None) -> None:
    """Model times of a CSV must be finite, >= 0 and at most :data:`MAX_MODEL_TIME` (a number of steps
    or a duration in seconds); raises :class:`DataError` naming the first bad row.

    ``lines``: the file line of each value, for the message.
    """
    v = np.asarray(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(v) | (v < 0) | (v > MAX_MODEL_TIME))
    if bad.size:
        i = bad[0]
        where = f"line {int(lines[i])}: " if lines is not None else ""
        more = f" ({bad.size} such rows)" if bad.size > 1 else ""
        raise DataError(
            f"{source}: {where}stimulus {list(stimuli)[i]!r} has model_time {v[i]:g}; expected a time >= 0 and <= "
            f"{MAX_MODEL_TIME:g}, finite (a number of steps or a duration in seconds){more}"
        )


def is_hdf5(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an existing, readable HDF5 file (by its signature); never raises."""
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_MAGIC
    except OSError:
        return False


def sniff_times_file(path: str | os.PathLike) -> str:
    """``"hdf5"`` or ``"csv"``: what a model-times file is, by its content; a ``.h5`` name without the
    HDF5 signature is an error (not read as a CSV)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or type(exc).__name__}); expected model times") from None
    if head == HDF5_MAGIC:
        return "hdf5"
    if path.suffix.lower() in HDF5_SUFFIXES:
        raise DataError(
            f"{path}: named {path.suffix} but not an HDF5 file (no HDF5 signature); expected a times file written by "
            "neurogrow extract, or a CSV stimulus,model_time named .csv"
        )
    return "csv"
