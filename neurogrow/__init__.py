"""neurogrow: recurrent convolutional networks that grow in breadth, depth and time.

The Python API (``help(neurogrow.classify)`` etc.; README "Python API"):

* :func:`classify` -- classify images (paths, PIL images, arrays of any size) and report the
  time spent on each, as a DataFrame;
* :func:`extract` -- ``neurogrow extract``: halting times for a folder of images or a dataset;
* :func:`compare_rt` -- ``neurogrow compare-rt``: halting times against human reaction times;
* :func:`compare_rsa` -- ``neurogrow compare-rsa``: representational geometry against humans;
* :func:`load_model`, :func:`list_models` -- the shipped models (``neurogrow models``).

Importing the package is light: torch and the analysis code load when a function is called.
"""
import os as _os
import signal as _signal
import sys as _sys

if _sys.argv and (_sys.argv[0] == "-m" or _os.path.basename(_sys.argv[0]) == "neurogrow"):  # the command line:
    def _interrupted_while_starting(signum, frame):  # Ctrl-C before main() is running: one line, exit 130
        _sys.stderr.write("neurogrow: interrupted\n")
        _sys.stderr.flush()
        _os._exit(130)

    _signal.signal(_signal.SIGINT, _interrupted_while_starting)  # neurogrow.cli.main restores Python's own

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("neurogrow")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from neurogrow.api import classify, compare_rsa, compare_rt, extract

__all__ = ["__version__", "classify", "compare_rsa", "compare_rt", "extract", "list_models", "load_model"]


def __getattr__(name: str):
    """``neurogrow.load_model`` and ``neurogrow.list_models``, imported on first use (they need torch)."""
    if name in ("load_model", "list_models"):
        from neurogrow import zoo

        return getattr(zoo, name)
    raise AttributeError(f"module 'neurogrow' has no attribute {name!r}")
