"""Checks of argument types and ranges, shared by the command line's options and the Python API.

Each returns the value in its canonical type or raises :class:`NeurogrowError` with a one-line
message ``<name> <value>: expected ...``. The command line's names are ``--n-boot``; the API
rewords them (``n_boot``, :func:`neurogrow.errors.worded_for_caller`). A string is never taken
for a number (``n_boot="100"`` is refused, as is ``True`` for a count).
"""
from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

from neurogrow.errors import NeurogrowError

__all__ = ["MAX_SEED", "flag", "integer", "number", "optional_path", "seed"]

#: Largest seed: NumPy and torch generators take seeds of 32 bits everywhere neurogrow seeds them.
MAX_SEED = 2**32 - 1


def integer(value: object, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int: an integer (Python or NumPy; not a bool, float or string) within the bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise NeurogrowError(f"{name} {value!r}: expected an integer, got {type(value).__name__}")
    v = int(value)
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        lo = "" if minimum is None else f">= {minimum}"
        hi = "" if maximum is None else f"<= {maximum}"
        raise NeurogrowError(f"{name} {v}: expected an integer {' and '.join(x for x in (lo, hi) if x)}")
    return v


def seed(value: object, name: str = "--seed") -> int:
    """A random seed: an integer in [0, 2**32 - 1]."""
    return integer(value, name, 0, MAX_SEED)


def number(value: object, name: str, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float (an int or float, not a bool or string) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NeurogrowError(f"{name} {value!r}: expected a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v) or (low is not None and v < low) or (high is not None and v > high):
        where = f" in [{low}, {high}]" if low is not None and high is not None else f" >= {low}" if low is not None else ""
        raise NeurogrowError(f"{name} {value!r}: expected a finite number{where}")
    return v


def flag(value: object, name: str) -> bool:
    """``value`` as a bool: True or False only (not 0/1, not a string)."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise NeurogrowError(f"{name} {value!r}: expected True or False, got {type(value).__name__}")
    return bool(value)


def optional_path(value: object, name: str) -> Path | None:
    """``value`` as a Path (None stays None): a str or os.PathLike, not a list or other object."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        raise NeurogrowError(f"{name} {value!r}: expected a path (a str or os.PathLike), got {type(value).__name__}")
    return Path(value)
