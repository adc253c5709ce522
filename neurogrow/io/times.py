"""The HDF5 file of model halting times written by ``neurogrow extract`` (schema 1.0).

Layout (documented in ``docs/hdf5_schema.md``)::

    /                       attrs: schema="neurogrow.times", schema_version="1.0",
                                   neurogrow_version, model_name, model_checksum, created (ISO 8601 UTC),
                                   command_line, exit_threshold, n_stimuli, n_steps, n_classes
    /stimulus               (N,)   str   path relative to the image folder, or the dataset index
    /label                  (N,)   str   true class name; "" when unknown
    /expected_steps         (N,)   f8    E[t] under the halting distribution (steps are 1..T)
    /exit_step              (N,)   i4    first step where the cumulative halting probability >= exit_threshold
    /prediction             (N,)   str   predicted class name
    /correct                (N,)   i1    1 correct, 0 wrong, -1 unknown (no label)
    /class_names            (K,)   str
    /probs                  (N,T,K) f4   per-step class probabilities (chunked, gzip)
    /halting                (N,T)  f4    halting distribution over steps (chunked, gzip)
    /extra/<column>         (N,)         any further per-stimulus columns of the table
    /activations/<layer>-t<step>  (N,C) f4  pooled activations (chunked, gzip), attrs layer, step

Writing is atomic: a temporary file in the destination folder, renamed over the destination
once complete. Reading is :mod:`neurogrow.io.times_read` (one open, the whole file checked).
"""
from __future__ import annotations

import io
import os
import re
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from neurogrow.errors import NeurogrowError
from neurogrow.io.checks import check_model_time_values, check_step_times, sniff_times_file
from neurogrow.model import halting as halting_rule
from neurogrow.outputs import atomic_file

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "SUPPORTED_VERSIONS",
    "TIME_COLUMNS",
    "StepArrays",
    "activation_name",
    "check_model_time_values",
    "check_step_times",
    "halting_summary",
    "parse_activation_name",
    "sniff_times_file",
    "write_times",
]

SCHEMA = "neurogrow.times"
SCHEMA_VERSION = "1.0"
SUPPORTED_VERSIONS = ("1.0",)
#: Columns of the DataFrame returned by :func:`read_times`, in order.
TIME_COLUMNS = ["stimulus", "label", "expected_steps", "exit_step", "prediction", "correct"]
_STR = None  # set lazily to h5py.string_dtype("utf-8")
_ACT_RE = re.compile(r"^(?P<layer>[A-Za-z0-9_.]+)-t(?P<step>\d+)$")


class StepArrays(NamedTuple):
    """Per-step arrays of a times file."""

    probs: np.ndarray  #: (N, T, K) class probabilities at each step
    halting: np.ndarray  #: (N, T) halting distribution over steps
    class_names: list[str]  #: the K class names


def _h5py():
    import h5py

    return h5py


def _str_dtype():
    global _STR
    if _STR is None:
        _STR = _h5py().string_dtype("utf-8")
    return _STR


def activation_name(layer: str, step: int) -> str:
    """Dataset name of a layer's pooled activations at a step: ``layer2``, 3 -> ``layer2-t3``."""
    return f"{layer}-t{int(step)}"


def parse_activation_name(name: str) -> tuple[str, int]:
    """``layer2-t3`` -> (``layer2``, 3)."""
    m = _ACT_RE.match(name)
    if not m:
        raise NeurogrowError(f"activation name {name!r}: expected <layer>-t<step>, e.g. layer2-t3")
    return m.group("layer"), int(m.group("step"))


def halting_summary(halting: np.ndarray, threshold: float = halting_rule.DEFAULT_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Expected steps E[t] and exit step (the rule of :mod:`neurogrow.model.halting`), steps counted from 1."""
    h = np.asarray(halting, dtype=float)
    if h.ndim != 2:
        raise NeurogrowError(f"halting: shape {h.shape}; expected (stimuli, steps)")
    return halting_rule.expected_steps(h), halting_rule.exit_step(h, threshold)


def _as_str_list(values, what: str) -> list[str]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append("")
        else:
            out.append(str(v))
    return out


def _validate(table: pd.DataFrame, probs: np.ndarray, halting: np.ndarray, class_names, activations) -> None:
    if not isinstance(table, pd.DataFrame):
        raise NeurogrowError("write_times: table must be a pandas DataFrame")
    if "stimulus" not in table.columns:
        raise NeurogrowError("write_times: table has no column stimulus; expected one row per stimulus")
    n = len(table)
    if probs.ndim != 3 or probs.shape[0] != n:
        raise NeurogrowError(f"write_times: step_probs has shape {probs.shape}; expected ({n}, steps, classes)")
    if halting.shape != probs.shape[:2]:
        raise NeurogrowError(f"write_times: halting has shape {halting.shape}; expected {probs.shape[:2]}")
    if len(class_names) != probs.shape[2]:
        raise NeurogrowError(f"write_times: {len(class_names)} class names for {probs.shape[2]} classes in step_probs")
    if table["stimulus"].duplicated().any():
        dup = table["stimulus"][table["stimulus"].duplicated()].iloc[0]
        raise NeurogrowError(f"write_times: stimulus {dup!r} appears twice; expected one row per stimulus")
    for name, arr in (activations or {}).items():
        parse_activation_name(name)
        if np.asarray(arr).ndim != 2 or np.asarray(arr).shape[0] != n:
            raise NeurogrowError(f"write_times: activations {name!r} has shape {np.shape(arr)}; expected ({n}, channels)")


def _stimulus_columns(table: pd.DataFrame, probs: np.ndarray, halt: np.ndarray, class_names: list[str], threshold: float):
    """The per-stimulus datasets: expected steps, exit step, prediction, label and correct (-1 unknown),
    from ``table`` where it has them, else computed from the halting distribution and probabilities."""
    n = len(table)
    exp, ext = halting_summary(halt, threshold)
    expected = table["expected_steps"].to_numpy(float) if "expected_steps" in table else exp
    exit_step = table["exit_step"].to_numpy(np.int32) if "exit_step" in table else ext
    if "prediction" in table:
        prediction = _as_str_list(table["prediction"], "prediction")
    else:
        final = (halt[:, :, None] * probs).sum(axis=1)
        prediction = [class_names[i] for i in final.argmax(axis=1)] if n else []
    if "label" in table:
        labels = [class_names[int(v)] if isinstance(v, (int, np.integer)) else v for v in table["label"]]
        label = _as_str_list(labels, "label")
    else:
        label = [""] * n
    if "correct" in table:
        corr = pd.array(table["correct"], dtype="boolean")
        correct = np.where(corr.isna(), -1, corr.fillna(False).astype(int)).astype(np.int8)
    else:
        correct = np.array([-1 if lab == "" else int(lab == pred) for lab, pred in zip(label, prediction)], dtype=np.int8)
    return expected, exit_step, prediction, label, correct


def write_times(
    path: str | os.PathLike,
    table: pd.DataFrame,
    step_probs: np.ndarray,
    halting: np.ndarray,
    class_names,
    attrs: dict | None = None,
    activations: dict[str, np.ndarray] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a times file atomically; returns its path.

    ``table`` has one row per stimulus: ``stimulus`` (required), and optionally ``label``,
    ``expected_steps``, ``exit_step``, ``prediction``, ``correct`` (missing ones are computed
    from ``halting``/``step_probs``: ``exit_step`` with ``attrs["exit_threshold"]``, default 0.5)
    and any further columns (stored under ``/extra``).  ``step_probs`` is (N, T, K), ``halting``
    (N, T), ``class_names`` K names.  ``attrs`` may carry ``model_name``, ``model_checksum``,
    ``command_line`` (default: this process's command line), ``exit_threshold`` and any other
    scalar metadata.  ``activations`` maps ``<layer>-t<step>`` to (N, C) arrays.
    Raises :class:`NeurogrowError` if ``path`` exists and ``overwrite`` is false.
    """
    h5py = _h5py()
    path = Path(path)
    if path.is_dir():
        raise NeurogrowError(f"{path}: is a folder; expected a .h5 file path")
    if path.exists() and not overwrite:
        raise NeurogrowError(f"{path}: already exists; pass --overwrite to replace it")
    probs = np.asarray(step_probs, dtype=np.float32)
    halt = np.asarray(halting, dtype=np.float32)
    class_names = [str(c) for c in class_names]
    _validate(table, probs, halt, class_names, activations)
    attrs = dict(attrs or {})
    threshold = float(attrs.pop("exit_threshold", 0.5))
    n, t_steps, k = probs.shape

    table = table.reset_index(drop=True)
    expected, exit_step, prediction, label, correct = _stimulus_columns(table, probs, halt, class_names, threshold)

    from neurogrow import __version__

    root_attrs = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "neurogrow_version": __version__,
        "model_name": str(attrs.pop("model_name", "unknown")),
        "model_checksum": str(attrs.pop("model_checksum", "unknown")),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command_line": str(attrs.pop("command_line", shlex.join(sys.argv))),
        "exit_threshold": threshold,
        "n_stimuli": n,
        "n_steps": t_steps,
        "n_classes": k,
    }
    for key, val in attrs.items():
        root_attrs[key] = val if isinstance(val, (int, float, np.number, np.bool_, bool)) else str(val)

    check_step_times(expected, exit_step, halt, table["stimulus"], f"write_times({path})", t_steps)
    # Built in memory, then one plain write: on a full disk HDF5's own writes fail where errors are
    # only printed (and once ended in a segfault); a plain write raises ENOSPC here, cleaned up by
    # atomic_file. The arrays are in memory already; the compressed image is at most their size.
    image = io.BytesIO()
    with h5py.File(image, "w") as f:
        for key, val in root_attrs.items():
            f.attrs[key] = val
        sdt = _str_dtype()
        f.create_dataset("stimulus", data=np.array(_as_str_list(table["stimulus"], "stimulus"), dtype=object), dtype=sdt)
        f.create_dataset("label", data=np.array(label, dtype=object), dtype=sdt)
        f.create_dataset("expected_steps", data=np.asarray(expected, dtype=np.float64))
        f.create_dataset("exit_step", data=np.asarray(exit_step, dtype=np.int32))
        f.create_dataset("prediction", data=np.array(prediction, dtype=object), dtype=sdt)
        f.create_dataset("correct", data=correct)
        f.create_dataset("class_names", data=np.array(class_names, dtype=object), dtype=sdt)
        chunk_n = max(1, min(n, 1024))
        f.create_dataset("probs", data=probs, chunks=(chunk_n, t_steps, k) if n else None, compression="gzip" if n else None)
        f.create_dataset("halting", data=halt, chunks=(chunk_n, t_steps) if n else None, compression="gzip" if n else None)
        extra_cols = [c for c in table.columns if c not in TIME_COLUMNS]
        if extra_cols:
            g = f.create_group("extra")
            for c in extra_cols:
                col = table[c]
                if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                    g.create_dataset(c, data=col.to_numpy(dtype=float))
                else:
                    g.create_dataset(c, data=np.array(_as_str_list(col, c), dtype=object), dtype=sdt)
        if activations:
            g = f.create_group("activations")
            for name, arr in activations.items():
                a = np.asarray(arr, dtype=np.float32)
                layer, step = parse_activation_name(name)
                rows = max(1, min(n, (1 << 18) // max(1, a.shape[1])))  # about 1 MiB per chunk
                ds = g.create_dataset(
                    name, data=a, chunks=(rows, max(1, a.shape[1])) if a.size else None,
                    compression="gzip" if a.size else None,
                )
                ds.attrs["layer"] = layer
                ds.attrs["step"] = step
    with atomic_file(path, overwrite) as tmp, open(tmp, "wb") as fh:
        fh.write(image.getbuffer())
    return path
