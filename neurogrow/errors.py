"""Errors that the command line reports as one line with exit code 2."""


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
