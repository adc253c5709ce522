"""Where datasets are read from, and downloaded to: the data root."""
from __future__ import annotations

import os
from pathlib import Path

from neurogrow.errors import DataError


def platform_data_root() -> Path:
    """The platform's cache folder for neurogrow (``~/.cache/neurogrow`` on Linux, honouring
    ``$XDG_CACHE_HOME``; ``~/Library/Caches/neurogrow`` on macOS; ``%LOCALAPPDATA%\\neurogrow\\neurogrow\\Cache``
    on Windows), as :func:`pooch.os_cache` names it. Not created here."""
    import pooch

    return Path(pooch.os_cache("neurogrow"))


def default_data_root() -> Path:
    """Return the folder that holds the datasets, and receives their downloads.

    Returns
    -------
    Path
        ``$NEUROGROW_DATA`` if set, else :func:`platform_data_root`. A dataset missing from it is
        downloaded into it on first use (``cifar10``, ``cifar10-python``).

    Raises
    ------
    DataError
        If ``$NEUROGROW_DATA`` names a missing folder.
    """
    env = os.environ.get("NEUROGROW_DATA")
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DataError(f"NEUROGROW_DATA={env}: no such folder; expected the data root (holding cifar10-jpeg/ or cifar10-python/)")
        return path
    return platform_data_root()
