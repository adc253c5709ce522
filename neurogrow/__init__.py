"""neurogrow: recurrent convolutional networks that grow in breadth, depth and time."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("neurogrow")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from neurogrow.zoo import list_models, load_model

__all__ = ["__version__", "list_models", "load_model"]
