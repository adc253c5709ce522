"""Atomic checkpoints of training runs.

A *checkpoint* (``checkpoint.pt`` in a run directory) holds everything needed to
resume: model window and weights, optimizer state, random generators, the epoch
reached and the metrics so far. Model files (a trained model only) are written and read by
:mod:`neurogrow.model.files`; their functions are re-exported here for existing callers.

Checkpoints get their SHA-256 recorded in ``checksums.json`` when they are written
(:data:`~neurogrow.model.files.CHECKSUMS`); ``--resume`` checks them with :func:`verify_checksum`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from neurogrow.errors import CheckpointError
from neurogrow.model.files import (
    CHECKPOINT_FORMAT,
    CHECKSUMS,
    FORMAT_VERSION,
    MODEL_FORMAT,
    atomic_save,
    file_checksum,
    load_model_file,
    model_from_state,
    read_torch_file,
    save_model,
    verify_checksum,
)

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKSUMS",
    "FORMAT_VERSION",
    "MODEL_FORMAT",
    "atomic_save",
    "file_checksum",
    "load_checkpoint",
    "load_model_file",
    "model_from_state",
    "save_checkpoint",
    "save_model",
    "verify_checksum",
]


def save_checkpoint(path: str | Path, **fields: Any) -> None:
    """Write a resumable checkpoint atomically, its checksum recorded in ``checksums.json``."""
    atomic_save({"format": CHECKPOINT_FORMAT, "version": FORMAT_VERSION, **fields}, path, record=True)


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`; raises CheckpointError if unusable."""
    obj = read_torch_file(path, CHECKPOINT_FORMAT)
    missing = {"config", "model_config", "model_state", "optimizer_state", "epoch"} - set(obj)
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks keys {sorted(missing)}")
    return obj
