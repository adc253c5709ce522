"""Errors that the command line reports as one line with exit code 2.

The Python API raises the same classes with the same messages, worded for Python
(``overwrite=True`` instead of ``--overwrite``: :func:`worded_for_caller`).
"""
from __future__ import annotations

import re as _re
from collections.abc import Iterator as _Iterator
from contextlib import contextmanager as _contextmanager
from contextvars import ContextVar as _ContextVar


class NeurogrowError(Exception):
    """Bad input or a failed precondition, reported to the user without a traceback.

    The message must name the offending file, row or key and say what was expected.
    """


class ConfigError(NeurogrowError):
    """An unknown configuration key, a wrong type or an invalid value."""


class DataError(NeurogrowError):
    """A dataset or human-data file that is missing or has the wrong layout or content."""


class CheckpointError(NeurogrowError):
    """A checkpoint that is missing, corrupt or does not match the requested run."""


# --------------------------------------------------------------------------- the words of a message
_COMMAND_LINE: _ContextVar[bool] = _ContextVar("neurogrow_command_line", default=False)
#: Command-line flags without a value, and their Python keyword form.
_FLAGS = {
    "overwrite": "overwrite=True", "resume": "resume=True", "allow-unmatched": "allow_unmatched=True",
    "correct-only": "correct_only=True", "full-length": "full_length=True", "exit-only": "exit_only=True",
    "activations": "activations=True", "no-mixed-model": "mixed_model=False",
}
_OPTION = _re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")


@_contextmanager
def command_line() -> _Iterator[None]:
    """Within this block errors are worded for the command line (``--overwrite``); the console script holds it."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def for_python(message: str) -> str:
    """``message`` in the Python API's words: ``--overwrite`` -> ``overwrite=True``, ``--n-boot`` -> ``n_boot``."""
    return _OPTION.sub(lambda m: _FLAGS.get(m.group(1), m.group(1).replace("-", "_")), message)


def worded_for_caller(exc: NeurogrowError) -> NeurogrowError:
    """``exc`` with its message in the caller's words: unchanged on the command line, :func:`for_python` otherwise."""
    if not _COMMAND_LINE.get() and exc.args and isinstance(exc.args[0], str):
        exc.args = (for_python(exc.args[0]), *exc.args[1:])
    return exc
