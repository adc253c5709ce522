"""From recurrent steps to milliseconds, and from a model's step bins to requested time bins.

Mapping (our choice). All layers of the lattice RCNN update together at every step (layer l at
step t reads layer l-1 at the same step), so one mapping holds for every region: step t
(counted from 1) is the time bin ``(ONSET_MS + STEP_MS * (t - 1), ONSET_MS + STEP_MS * t)``.
``ONSET_MS = 70`` is the start of the standard IT/V4 response window of Brain-Score's neural
benchmarks (70-170 ms, MajajHong2015), and ``STEP_MS = 25`` makes the four steps of the shipped
models tile exactly that window: (70, 95), (95, 120), (120, 145), (145, 170). A step of 25 ms is
also close to the ~30 ms by which IT solutions of challenge images lag those of control images
(Kar et al. 2019), i.e. about one extra round of recurrent processing.

Alignment to requested bins: a requested bin that overlaps step bins gets the average of those
steps, weighted by the overlap in ms (so a request equal to a step's bin returns that step
exactly, and (70, 170) averages the four steps); a bin that overlaps none gets the nearest step
(the first step before the model's response starts, the last one after it: the state persists
once the model has stopped).
"""
from __future__ import annotations

import numpy as np

from neurogrow.errors import NeurogrowError

#: Start of step 1, in ms after stimulus onset.
ONSET_MS = 70
#: Duration of one recurrent step, in ms.
STEP_MS = 25


def step_time_bins(steps: int) -> list[tuple[int, int]]:
    """Time bin (start, end) in ms of each of ``steps`` recurrent steps, step 1 first."""
    return [(ONSET_MS + STEP_MS * t, ONSET_MS + STEP_MS * (t + 1)) for t in range(steps)]


def steps_to_ms(steps: np.ndarray | float) -> np.ndarray | float:
    """Time in ms at which the answer after ``steps`` (counted from 1, may be fractional) is available."""
    return ONSET_MS + STEP_MS * np.asarray(steps, dtype=float)


def check_time_bins(time_bins) -> list[tuple[float, float]]:
    """Requested time bins as a list of (start, end) with start < end; a one-line error otherwise."""
    out = []
    try:
        pairs = [tuple(np.asarray(b).tolist()) for b in time_bins]
    except TypeError:
        raise NeurogrowError(f"time_bins {time_bins!r}: expected a list of (start_ms, end_ms) pairs") from None
    if not pairs:
        raise NeurogrowError("time_bins is empty; expected at least one (start_ms, end_ms) pair")
    for pair in pairs:
        if len(pair) != 2 or not all(isinstance(v, (int, float)) and np.isfinite(v) for v in pair) or pair[0] >= pair[1]:
            raise NeurogrowError(f"time bin {pair!r}: expected (start_ms, end_ms) with start < end")
        out.append((float(pair[0]), float(pair[1])))
    return out


def alignment_weights(requested: list[tuple[float, float]], steps: int) -> np.ndarray:
    """(len(requested), steps) weights, rows summing to 1: how each requested bin averages the steps."""
    bins = np.asarray(step_time_bins(steps), dtype=float)
    req = np.asarray(requested, dtype=float)
    overlap = np.clip(np.minimum(req[:, 1:2], bins[None, :, 1]) - np.maximum(req[:, 0:1], bins[None, :, 0]), 0, None)
    weights = np.zeros_like(overlap)
    has = overlap.sum(axis=1) > 0
    weights[has] = overlap[has] / overlap[has].sum(axis=1, keepdims=True)
    centres = req[~has].mean(axis=1)
    nearest = np.abs(centres[:, None] - bins.mean(axis=1)[None, :]).argmin(axis=1)
    weights[np.flatnonzero(~has), nearest] = 1.0
    return weights
