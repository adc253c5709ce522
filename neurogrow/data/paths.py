"""Where datasets are read from: the data root."""
from __future__ import annotations

import os
from pathlib import Path

from neurogrow.errors import DataError

#: ``<repo>/../shared/data``: the data folder laid beside a source checkout.
SHARED_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def default_data_root() -> Path:
    """Return the folder that holds the datasets.

    Returns
    -------
    Path
        ``$NEUROGROW_DATA`` if set, else ``<repo>/../shared/data`` if it exists.

    Raises
    ------
    DataError
        If ``$NEUROGROW_DATA`` names a missing folder, or neither location exists.
    """
    env = os.environ.get("NEUROGROW_DATA")
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DataError(f"NEUROGROW_DATA={env}: no such folder; expected the data root (e.g. holding cifar10-jpeg/)")
        return path
    if SHARED_DATA_DIR.is_dir():
        return SHARED_DATA_DIR
    raise DataError(
        f"no data root: NEUROGROW_DATA is not set and {SHARED_DATA_DIR} does not exist; "
        "pass --data-root or set NEUROGROW_DATA"
    )
