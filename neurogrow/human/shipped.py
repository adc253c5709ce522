"""Where the human data shipped with neurogrow are: one resolution for the source tree and the wheel.

The repository keeps the small public datasets in its top-level ``human_data/`` folder. The
wheel carries the same folder as the package data ``neurogrow/_human_data`` (``setup.py`` maps
``human_data/`` to the package ``neurogrow._human_data``), so an installed neurogrow never reads
a checkout. :func:`shipped_human_data_dir` resolves, in this order:

1. ``$NEUROGROW_HUMAN_DATA``, when set (another ``human_data`` folder of the same layout);
2. the package data ``neurogrow._human_data`` (an installed wheel, or an editable install);
3. ``human_data/`` beside the ``neurogrow`` package (running from the source tree).

A folder that does not exist is a one-line :class:`~neurogrow.errors.DataError`.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from neurogrow.errors import DataError

__all__ = ["ENV_VAR", "PACKAGE", "shipped_human_data_dir"]

#: Environment variable naming another ``human_data`` folder.
ENV_VAR = "NEUROGROW_HUMAN_DATA"
#: The package that holds ``human_data/`` in a built wheel.
PACKAGE = "neurogrow._human_data"


def _packaged() -> Path | None:
    """The folder of the data package (a namespace package: the data folder has no ``__init__.py``)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except ModuleNotFoundError:
        return None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(location)
        if path.is_dir():
            return path
    return None


def shipped_human_data_dir() -> Path:
    """The ``human_data`` folder: ``$NEUROGROW_HUMAN_DATA``, else the package data, else the source tree's."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not path.is_dir():
            raise DataError(f"{ENV_VAR}={env}: no such folder; expected a human_data folder (with geirhos2019/, cifar10h/)")
        return path
    packaged = _packaged()
    if packaged is not None:
        return packaged
    source = Path(__file__).resolve().parents[2] / "human_data"
    if source.is_dir():
        return source
    raise DataError(
        f"the shipped human data are missing: no package {PACKAGE} and no {source}; "
        f"reinstall neurogrow or set {ENV_VAR} to a human_data folder"
    )
