"""Progress for every job that takes more than a few seconds: one helper used everywhere.

:func:`progress` wraps an iterable (or a total for :meth:`~Bar.update`) like ``tqdm``:

* on a terminal (stderr is a TTY) it is a ``tqdm`` bar;
* elsewhere (CI logs, ``nohup``, a pipe) it prints plain lines to stderr, at most every
  ``NEUROGROW_PROGRESS_INTERVAL`` seconds (default 10) and at the end:
  ``extract edges: 80/160 img (50%), 4.1 s``;
* with the global ``neurogrow --quiet`` (:func:`set_quiet`) or ``NEUROGROW_QUIET=1`` it prints
  nothing.

:func:`status` announces a set-up step (``loading model blt-cifar10-adaptive``) under the
same rules. Results (tables, "wrote ...") go to stdout and are not affected: progress and
status lines go to stderr only.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Bar", "is_quiet", "progress", "quiet_scope", "set_quiet", "status"]

_QUIET: bool | None = None


def set_quiet(quiet: bool = True) -> None:
    """Silence (or restore) every progress bar and status line of this process."""
    global _QUIET
    _QUIET = bool(quiet)


@contextmanager
def quiet_scope(quiet: bool) -> Iterator[None]:
    """Within the block, silence progress when ``quiet`` (else leave it as it is); restore afterwards.

    ``neurogrow.cli.main`` runs each command inside one, so that ``--quiet`` given to one call
    does not silence the calls after it in the same process (the API, the tests).
    """
    global _QUIET
    before = _QUIET
    if quiet:
        _QUIET = True
    try:
        yield
    finally:
        _QUIET = before


def is_quiet() -> bool:
    """True under ``neurogrow --quiet`` / :func:`set_quiet` or with ``NEUROGROW_QUIET`` set to 1/true/yes."""
    if _QUIET is not None:
        return _QUIET
    return os.environ.get("NEUROGROW_QUIET", "").strip().lower() in {"1", "true", "yes"}


def _interval() -> float:
    try:
        return max(0.0, float(os.environ.get("NEUROGROW_PROGRESS_INTERVAL", "10")))
    except ValueError:
        return 10.0


def status(message: str) -> None:
    """Say on stderr what a set-up step is doing (nothing when quiet)."""
    if not is_quiet():
        print(f"neurogrow: {message}", file=sys.stderr, flush=True)


class Bar:
    """The non-terminal and silent forms of a progress bar, with tqdm's interface in use here.

    Attributes
    ----------
    iterable
        What is iterated over (or None: counted through :meth:`update`).
    total
        Number of items expected (None: unknown).
    desc
        Label printed at the start of each line.
    unit
        Name of one item (``img``, ``batch``, ``run``...).
    n
        Items done so far.
    silent
        True: print nothing at all (quiet, or ``disable=True``).
    """

    def __init__(self, iterable: Iterable | None, total: int | None, desc: str, unit: str, silent: bool) -> None:
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.total = total
        self.desc = desc
        self.unit = unit
        self.n = 0
        self.silent = silent
        self._start = time.monotonic()
        self._last = self._start
        self._closed = False
        self._postfix = ""
        if not silent:
            self._line("started")

    def _line(self, state: str | None = None) -> None:
        elapsed = time.monotonic() - self._start
        done = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        pct = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        tail = "".join(f", {x}" for x in (self._postfix, state) if x)
        print(f"{self.desc}: {done} {self.unit}{pct}, {elapsed:.1f} s{tail}", file=sys.stderr, flush=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.silent:
            return
        if self.total and self.n >= self.total:
            return  # the finished line is close()'s, printed once
        now = time.monotonic()
        if now - self._last >= _interval():
            self._last = now
            self._line()

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self._postfix = str(s)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:  # tqdm compatibility
        pass

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        if desc:
            self.desc = desc

    def write(self, s: str) -> None:
        if not self.silent:
            print(s, file=sys.stderr, flush=True)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if not self.silent:
                self._line("done")

    def __iter__(self) -> Iterator:
        if self.iterable is None:
            raise TypeError("this progress bar has no iterable; call update() instead")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __len__(self) -> int:
        return int(self.total or 0)


def progress(
    iterable: Iterable | None = None,
    total: int | None = None,
    desc: str = "neurogrow",
    unit: str = "it",
    disable: bool | None = False,
    leave: bool = False,
    **tqdm_kwargs: Any,
):
    """A progress bar over ``iterable`` (or ``total`` items counted with ``.update(n)``).

    Parameters
    ----------
    iterable
        Items to iterate over; None to count with ``update``.
    total
        Number of items (default ``len(iterable)`` where it has one).
    desc
        Label, e.g. ``"extract edges"``.
    unit
        Name of one item.
    disable
        True: silent (a caller's own ``progress=False``). False or None: shown unless quiet.
    leave
        Terminal only: keep the finished bar on screen.
    **tqdm_kwargs
        Passed to ``tqdm`` on a terminal (``position``, ``dynamic_ncols``...), ignored elsewhere.

    Returns
    -------
    tqdm.tqdm or Bar
        Both iterate, ``update``, ``write``, ``close`` and work as context managers.
    """
    silent = bool(disable) or is_quiet()
    if not silent and sys.stderr.isatty():
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, leave=leave, **tqdm_kwargs)
    return Bar(iterable, total, desc, unit, silent)
