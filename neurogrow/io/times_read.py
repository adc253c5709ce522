"""The one reader of the HDF5 times file: one open, the whole file checked before anything is used.

:func:`load_times_file` opens the file once and checks it as a whole (``docs/hdf5_schema.md``):

- the signature, the schema and its version;
- the root attributes' types: ``n_stimuli``, ``n_steps``, ``n_classes`` integers, ``exit_threshold``
  a number in (0, 1], the text attributes text;
- every per-stimulus dataset (``/stimulus``, ``/label``, ``/expected_steps``, ``/exit_step``,
  ``/prediction``, ``/correct``, ``/extra/*``, ``/activations/*``) one-dimensional (activations
  two-dimensional) with ``n_stimuli`` rows and values of its type (text, numbers);
- ``/probs`` of shape (``n_stimuli``, ``n_steps``, ``n_classes``), ``/halting`` (``n_stimuli``,
  ``n_steps``) and ``/class_names`` ``n_classes`` names;
- the step times (:func:`neurogrow.io.checks.check_step_times`).

A read error from HDF5 (a corrupted chunk, a truncated file) becomes one :class:`DataError`
naming the file and the dataset. Everything a caller uses comes from this one open, so a file
replaced meanwhile (an atomic rename by a concurrent ``extract --overwrite``) is never mixed with
its predecessor. :func:`read_times`, :func:`read_step_arrays`, :func:`read_attrs` and
:func:`read_activations` are views of it.
"""
from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from neurogrow.errors import DataError
from neurogrow.io.checks import HDF5_MAGIC, check_step_times
from neurogrow.io.times import SCHEMA, SCHEMA_VERSION, SUPPORTED_VERSIONS, StepArrays, parse_activation_name

__all__ = ["TimesFile", "load_times_file", "read_activations", "read_attrs", "read_step_arrays", "read_times"]

#: Per-stimulus datasets: name -> kinds of NumPy dtype allowed ("text" for strings).
_COLUMNS = {
    "stimulus": "text", "label": "text", "expected_steps": "fiu", "exit_step": "iu", "prediction": "text", "correct": "iub",
}
_INT_ATTRS = ("n_stimuli", "n_steps", "n_classes")
_TEXT_ATTRS = ("model_name", "model_checksum", "created", "command_line", "neurogrow_version")
_EXPECTED = "expected a times file written by neurogrow extract"


class TimesFile(NamedTuple):
    """Everything read from one open of a times file."""

    table: pd.DataFrame  #: :func:`read_times`'s table (root attributes in ``table.attrs``)
    probs: np.ndarray | None  #: (N, T, K) per-step class probabilities (None unless asked for)
    halting: np.ndarray  #: (N, T) halting distribution
    class_names: list[str]  #: the K class names
    attrs: dict  #: root attributes as Python scalars
    activations: dict[str, np.ndarray] | None  #: ``{"layer2-t3": (N, C)}`` (None unless asked for)


def _scalar(val: Any) -> Any:
    if isinstance(val, bytes):
        return val.decode(errors="replace")
    if isinstance(val, np.generic):
        return val.item()
    return val


class _Reader:
    """Reads datasets of one open file, turning HDF5 errors into one-line :class:`DataError`."""

    def __init__(self, f, path: Path):
        self.f, self.path = f, path

    def fail(self, what: str) -> DataError:
        return DataError(f"{self.path}: {what}")

    def node(self, key: str):
        if key not in self.f:
            raise self.fail(f"dataset /{key} is missing; expected it in schema {SCHEMA_VERSION}")
        return self.f[key]

    def read(self, key: str, kinds: str, ndim: int, shape: tuple | None = None) -> np.ndarray:
        """Dataset ``key`` (checked: a dataset, its dimensions, shape and dtype kind) as an array."""
        import h5py

        ds = self.node(key)
        if not isinstance(ds, h5py.Dataset):
            raise self.fail(f"/{key} is a group; expected a dataset")
        if ds.ndim != ndim or (shape is not None and tuple(ds.shape) != tuple(shape)):
            want = "x".join(str(n) for n in shape) if shape is not None else f"{ndim}-dimensional"
            raise self.fail(f"dataset /{key} has shape {'x'.join(map(str, ds.shape)) or 'scalar'}; expected {want} "
                            "(n_stimuli, n_steps, n_classes of the root attributes)")
        kind = ds.dtype.kind
        text = kind in "OSU"
        if (kinds == "text") != text or (not text and kind not in kinds):
            raise self.fail(f"dataset /{key} holds {ds.dtype}; expected {'text' if kinds == 'text' else 'numbers'}")
        try:
            arr = ds[()]
        except Exception as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise self.fail(f"dataset /{key} cannot be read ({msg}); expected an undamaged times file (re-run neurogrow extract)") from None
        if text:
            return np.array([v.decode(errors="replace") if isinstance(v, bytes) else str(v) for v in np.ravel(arr)], dtype=object)
        return np.asarray(arr)

    def attrs(self) -> dict:
        try:
            out = {key: _scalar(val) for key, val in self.f.attrs.items()}
        except Exception as exc:
            raise self.fail(f"root attributes cannot be read ({type(exc).__name__}); expected an undamaged times file") from None
        for key in _INT_ATTRS:
            v = out.get(key)
            if v is None:
                raise self.fail(f"root attribute {key} is missing; {_EXPECTED}")
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
                raise self.fail(f"root attribute {key} is {v!r}; expected an integer >= 0")
        thr = out.get("exit_threshold", 0.5)
        if isinstance(thr, bool) or not isinstance(thr, numbers.Real) or not 0 < float(thr) <= 1:
            raise self.fail(f"root attribute exit_threshold is {thr!r}; expected a number in (0, 1]")
        for key in _TEXT_ATTRS:
            if key in out and not isinstance(out[key], str):
                raise self.fail(f"root attribute {key} is {out[key]!r}; expected text")
        return out


def _open(path: str | os.PathLike):
    """Open a times file: it exists, has the HDF5 signature, the schema and a supported version."""
    import h5py

    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; {_EXPECTED}") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or type(exc).__name__}); {_EXPECTED}") from None
    if head != HDF5_MAGIC:
        raise DataError(f"{path}: not an HDF5 file (no HDF5 signature); {_EXPECTED}")
    try:
        f = h5py.File(path, "r")
    except Exception as exc:
        raise DataError(f"{path}: not a readable HDF5 file ({type(exc).__name__}); {_EXPECTED}") from None
    try:
        schema, version = (_scalar(f.attrs.get(k)) for k in ("schema", "schema_version"))
    except Exception:
        f.close()
        raise DataError(f"{path}: root attributes cannot be read; {_EXPECTED}") from None
    if schema != SCHEMA:
        f.close()
        raise DataError(f"{path}: root attribute schema is {schema!r}; expected {SCHEMA!r} (a file written by neurogrow extract)")
    if str(version) not in SUPPORTED_VERSIONS:
        f.close()
        raise DataError(
            f"{path}: schema version {version!r}; this neurogrow reads version {', '.join(SUPPORTED_VERSIONS)} "
            "(re-run neurogrow extract with this version)"
        )
    return f


def _activations(r: _Reader, n: int, names: list[str] | None) -> dict[str, np.ndarray]:
    import h5py

    g = r.f.get("activations")
    if not isinstance(g, h5py.Group) or len(g) == 0:
        raise r.fail("no activations in this file; re-run neurogrow extract with --activations")
    keys = list(g.keys()) if names is None else list(names)
    missing = [k for k in keys if k not in g]
    if missing:
        raise r.fail(f"no activations named {', '.join(missing)}; the file has {', '.join(g.keys())}")
    out = {}
    for k in sorted(keys, key=parse_activation_name):
        arr = r.read(f"activations/{k}", "fiu", 2)
        if arr.shape[0] != n:
            raise r.fail(f"dataset /activations/{k} has {arr.shape[0]} rows; expected {n} (n_stimuli, one per stimulus)")
        out[k] = arr
    return out


def load_times_file(
    path: str | os.PathLike, step_arrays: bool = True, activations: bool | list[str] = False
) -> TimesFile:
    """Read and check a times file in one open (see the module's docstring).

    ``step_arrays``: also read ``/probs``; ``activations``: also read every activation (True) or
    those named. Raises :class:`DataError` (one line naming the file and the dataset) on any
    inconsistency or read error.
    """
    import h5py

    path = Path(path)
    with _open(path) as f:
        r = _Reader(f, path)
        attrs = r.attrs()
        n, t_steps, k = (int(attrs[key]) for key in _INT_ATTRS)
        cols = {key: r.read(key, kinds, 1, (n,)) for key, kinds in _COLUMNS.items()}
        class_names = list(r.read("class_names", "text", 1, (k,)))
        halting = r.read("halting", "fiu", 2, (n, t_steps))
        probs_ds = r.node("probs")
        if not isinstance(probs_ds, h5py.Dataset) or tuple(probs_ds.shape) != (n, t_steps, k):
            r.read("probs", "fiu", 3, (n, t_steps, k))  # raises with the shapes
        probs = r.read("probs", "fiu", 3, (n, t_steps, k)) if step_arrays else None
        extra = {}
        if "extra" in f:
            for key in f["extra"]:
                ds = f["extra"][key]
                extra[key] = r.read(f"extra/{key}", "text" if getattr(ds, "dtype", np.dtype(float)).kind in "OSU" else "fiub", 1, (n,))
        acts = _activations(r, n, None if activations is True else activations) if activations else None
    corr = cols["correct"].astype(int)
    table = pd.DataFrame({
        "stimulus": list(cols["stimulus"]),
        "label": [s if s != "" else None for s in cols["label"]],
        "expected_steps": cols["expected_steps"].astype(float),
        "exit_step": cols["exit_step"].astype(int),
        "prediction": list(cols["prediction"]),
        "correct": pd.array([None if c < 0 else bool(c) for c in corr], dtype="boolean"),
    })
    check_step_times(table["expected_steps"].to_numpy(), cols["exit_step"], halting, table["stimulus"], str(path), t_steps)
    for key, values in extra.items():
        table[key] = list(values) if values.dtype == object else values
    table.attrs = dict(attrs)
    return TimesFile(table, probs, halting, class_names, attrs, acts)


def read_attrs(path: str | os.PathLike) -> dict:
    """Root attributes of a times file, as Python scalars (the file checked as a whole)."""
    return load_times_file(path, step_arrays=False).attrs


def read_times(path: str | os.PathLike) -> pd.DataFrame:
    """Per-stimulus table of a times file.

    Columns: ``stimulus`` (str), ``label`` (str, None when unknown), ``expected_steps`` (float),
    ``exit_step`` (int), ``prediction`` (str), ``correct`` (nullable boolean), then any extra
    columns.  The per-step arrays are in :func:`read_step_arrays`; the root attributes are in
    ``df.attrs`` (and :func:`read_attrs`).
    """
    return load_times_file(path, step_arrays=False).table


def read_step_arrays(path: str | os.PathLike) -> StepArrays:
    """Per-step class probabilities (N, T, K), halting distribution (N, T) and class names."""
    tf = load_times_file(path)
    assert tf.probs is not None
    return StepArrays(probs=tf.probs, halting=tf.halting, class_names=tf.class_names)


def read_activations(path: str | os.PathLike, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """Pooled activations ``{"layer2-t3": (N, C) array, ...}`` (all, or those in ``names``)."""
    acts = load_times_file(path, step_arrays=False, activations=names if names is not None else True).activations
    assert acts is not None
    return acts
