"""No output may overwrite an input: the one check of every command and of the Python API.

:func:`refuse_overlap` refuses an output path (``--out``, ``--json``) that is one of the
command's inputs, contains one, or lies inside one (human data, stimuli, times file, model
file, config, data root). Both sides are made absolute and their symlinks resolved, so
``./H``, ``H/../H`` and a link to ``H`` are all ``H``. The check runs before anything is
read or written, with and without ``overwrite``: replacing an input is never what was meant.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from neurogrow.errors import NeurogrowError

__all__ = ["model_input", "refuse_overlap", "resolved"]

PathLike = str | os.PathLike


def resolved(path: PathLike) -> Path:
    """``path`` absolute, with ``~`` expanded and every symlink of its existing part resolved."""
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path)))).resolve(strict=False)


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def refuse_overlap(out: PathLike | None, inputs: Iterable[tuple[str, object]], option: str = "--out") -> None:
    """Raise :class:`NeurogrowError` if ``out`` is, contains or lies inside one of ``inputs``.

    Parameters
    ----------
    out
        The output file or folder (None: nothing is written, nothing to check).
    inputs
        (description, path) pairs, e.g. ``("human data", "H")``; a path that is None, or not a
        ``str`` / ``os.PathLike`` (a DataFrame, a loaded model), is skipped.
    option
        How the output is named in the message (``--out``, ``--json``).
    """
    if out is None:
        return
    target = resolved(out)
    for what, path in inputs:
        if path is None or not isinstance(path, (str, os.PathLike)) or str(path) == "":
            continue
        src = resolved(path)
        if _within(target, src) or _within(src, target):
            relation = "is" if target == src else ("lies inside" if _within(target, src) else "contains")
            raise NeurogrowError(
                f"{option} {out}: {relation} the {what} {path} ({src}); expected an output apart from every input "
                "(an input is never replaced, also not with --overwrite)"
            )


def model_input(model: object) -> Path | None:
    """The file of a model argument (a shipped name, a model file or a run directory), if it names one."""
    if not isinstance(model, (str, os.PathLike)):
        return None
    try:
        from neurogrow.zoo import resolve_model_path

        return resolve_model_path(os.fspath(model))[1]
    except NeurogrowError:
        return Path(model) if Path(model).exists() else None
