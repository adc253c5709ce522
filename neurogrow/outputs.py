"""Writing results atomically: checks, JSON without NaN, temporary file or folder then rename.

:func:`atomic_path` is the one atomic file write of the package: every file written by
neurogrow (times files, checkpoints, model files, JSON and CSV results, data caches) goes
through it, and :func:`atomic_output_dir` does the same for whole result folders.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from neurogrow.errors import NeurogrowError

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (read by setting it and restoring it at once, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def apply_umask(path: str | os.PathLike, recursive: bool = False) -> None:
    """Give ``path`` the permissions ``open()`` / ``mkdir()`` would have: 0666 (files) or 0777 (folders) less the umask.

    ``tempfile.mkstemp`` and ``mkdtemp`` create owner-only (0600 / 0700) entries; the two
    atomic writers (:func:`atomic_path`, :func:`atomic_output_dir`) call this on their
    temporary file or folder, so results are as readable by colleagues as a plain ``open()``
    would have made them. With ``recursive``, a folder's contents are set too.
    """
    mask = current_umask()
    path = Path(path)

    def _one(p: Path) -> None:
        os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)

    _one(path)
    if recursive and path.is_dir():
        for sub in path.rglob("*"):
            if not sub.is_symlink():
                _one(sub)


def check_out_dir(out_dir: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse an existing non-empty output folder (or a file) unless ``overwrite``."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NeurogrowError(f"{out}: exists and is not a folder; expected an output folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise NeurogrowError(f"{out}: folder exists and is not empty; pass --overwrite to replace it")
    return out


def _clean(o):
    """Non-finite floats -> None (JSON has no NaN) and NumPy scalars -> Python, recursively."""
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return float(o) if math.isfinite(float(o)) else None
    if isinstance(o, np.integer):
        return int(o)
    return o


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


def summary_json(summary: dict) -> str:
    """``summary`` as indented JSON, with NaN and infinities written as null."""
    return json.dumps(_clean(summary), indent=2, default=_json_default) + "\n"


@contextmanager
def atomic_output_dir(out_dir: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir``.

    On any error the temporary folder, and any parent folders this call created, are
    removed: nothing is left behind and an existing ``out_dir`` is untouched.
    """
    out = check_out_dir(out_dir, overwrite).absolute()
    created = [p for p in reversed(out.parents) if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        yield tmp
        apply_umask(tmp)  # mkdtemp makes it 0700
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            os.rmdir(old)
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for p in reversed(created):
            try:
                p.rmdir()
            except OSError:
                break
        raise


@contextmanager
def atomic_path(path: str | os.PathLike, fsync: bool = False) -> Iterator[Path]:
    """Yield a temporary file beside ``path``; on success it is renamed over ``path``.

    The caller writes the temporary file (by path, or by opening it). On any error it is
    removed and an existing ``path`` is untouched; a reader never sees a half-written file.
    The folder of ``path`` is created if needed; the file gets the umask's usual permissions.

    Parameters
    ----------
    path
        Destination file.
    fsync
        Flush the file to disk before the rename (checkpoints and model files).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        apply_umask(tmp)  # mkstemp makes it 0600
        yield tmp
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_json(path: str | os.PathLike, data: dict) -> Path:
    """Write ``data`` as indented JSON atomically: a temporary file beside ``path``, then a rename."""
    return write_text(path, json.dumps(data, indent=2) + "\n")
