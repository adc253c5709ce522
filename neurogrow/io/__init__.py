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
    read_activations,
    read_attrs,
    read_step_arrays,
    read_times,
    write_times,
)

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "SUPPORTED_VERSIONS",
    "TIME_COLUMNS",
    "StepArrays",
    "activation_name",
    "halting_summary",
    "parse_activation_name",
    "read_activations",
    "read_attrs",
    "read_step_arrays",
    "read_times",
    "write_times",
]
