"""File formats of neurogrow: the HDF5 times file written by ``neurogrow extract``."""
from neurogrow.io.times import (
    SCHEMA,
    SCHEMA_VERSION,
    SUPPORTED_VERSIONS,
    TIME_COLUMNS,
    StepArrays,
    activation_name,
    halting_summary,
    parse_activation_name,
    write_times,
)
from neurogrow.io.times_read import TimesFile, load_times_file, read_activations, read_attrs, read_step_arrays, read_times

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "SUPPORTED_VERSIONS",
    "TIME_COLUMNS",
    "StepArrays",
    "TimesFile",
    "activation_name",
    "halting_summary",
    "load_times_file",
    "parse_activation_name",
    "read_activations",
    "read_attrs",
    "read_step_arrays",
    "read_times",
    "write_times",
]
