"""Model files: writing and reading a trained model (its window, weights and summary).

A *model file* holds a trained model only: its window, weights, class names and a summary of
how it was trained. :func:`load_model_file` also reads the model out of a training checkpoint
(:mod:`neurogrow.train.checkpoint`, which writes those with :func:`read_torch_file`'s formats).
Files are written atomically (:func:`neurogrow.outputs.atomic_path`).

Files written with ``record=True`` get their SHA-256 recorded in ``checksums.json`` beside them
*before* the rename that puts them in place (with the checksum of the file they replace, so a
kill between the two steps leaves a consistent pair); :func:`verify_checksum` checks a file
against that record, which is how ``--resume`` knows that ``checkpoint.pt`` and ``model.pt`` are
the files training wrote.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import torch

from neurogrow.errors import CheckpointError
from neurogrow.hashing import file_checksum
from neurogrow.model.config import ModelConfig
from neurogrow.model.lattice import LatticeRCNN
from neurogrow.outputs import atomic_path, write_json

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKSUMS",
    "FORMAT_VERSION",
    "MODEL_FORMAT",
    "atomic_save",
    "file_checksum",
    "load_model_file",
    "model_from_state",
    "read_torch_file",
    "save_model",
    "verify_checksum",
]

CHECKPOINT_FORMAT = "neurogrow-checkpoint"
MODEL_FORMAT = "neurogrow-model"
FORMAT_VERSION = 1
#: Checksums of the files of a run directory, recorded when they are written.
CHECKSUMS = "checksums.json"


def _read_checksums(folder: Path) -> dict:
    path = folder / CHECKSUMS
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: unreadable checksum record ({exc}); expected JSON written by neurogrow train") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a JSON object of file checksums")
    return data


def _record_checksum(path: Path, digest: str) -> None:
    """Record ``digest`` as the checksum of ``path`` (keeping the checksum of the file now there)."""
    data = _read_checksums(path.parent)
    entry = data.get(path.name) or {}
    current = None
    if path.exists():
        known = {entry.get("sha256"), entry.get("previous")} - {None}
        h = file_checksum(path)
        current = h if (h in known or not entry) else None
    data[path.name] = {"sha256": digest, "previous": current}
    write_json(path.parent / CHECKSUMS, data)


def verify_checksum(path: str | Path) -> bool:
    """Check ``path`` against the checksum recorded when it was written.

    Returns False when no checksum was recorded (a run from before checksums were recorded);
    True when it matches; raises :class:`CheckpointError` when it does not.
    """
    path = Path(path)
    entry = _read_checksums(path.parent).get(path.name)
    if not entry:
        return False
    h = file_checksum(path)
    if h not in {entry.get("sha256"), entry.get("previous")}:
        raise CheckpointError(
            f"{path}: checksum {h[:23]}... differs from the one recorded when it was written "
            f"({str(entry.get('sha256'))[:23]}...); expected the file training wrote (it is truncated, corrupt or was changed)"
        )
    return True


def atomic_save(obj: Any, path: str | Path, record: bool = False) -> None:
    """``torch.save`` atomically and durably (:func:`neurogrow.outputs.atomic_path`).

    ``record``: record the file's checksum in ``checksums.json`` (before the rename).
    """
    path = Path(path)
    # Serialised in memory, then written with one plain write: torch.save writing to a disk that
    # fills up fails inside its zip writer with a RuntimeError ("unexpected pos ..."), which
    # says nothing of the disk; a plain write raises OSError (ENOSPC), which the CLI reports in
    # one line. A checkpoint is small next to the memory that training holds anyway.
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_path(path, fsync=True) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(buffer.getbuffer())
        if record:
            _record_checksum(path, file_checksum(tmp))


def read_torch_file(path: str | Path, expected_format: str) -> dict:
    """Read a neurogrow torch file of ``expected_format``; raises CheckpointError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"{path} is corrupt or not a torch file ({type(exc).__name__})") from exc
    if not isinstance(obj, dict) or obj.get("format") != expected_format:
        found = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise CheckpointError(f"{path}: expected a {expected_format} file, found {found!r}")
    if obj.get("version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format version {obj.get('version')!r}, this neurogrow reads {FORMAT_VERSION}")
    return obj


def model_from_state(model_config: dict, state: dict, source: str = "state") -> LatticeRCNN:
    """Rebuild a model of the saved window and load its weights."""
    try:
        model = LatticeRCNN(ModelConfig(**model_config), seed=None)
        model.load_state_dict(state)
    except (TypeError, RuntimeError, KeyError) as exc:
        msg = str(exc).splitlines()[0]
        raise CheckpointError(f"{source}: weights do not match the saved window ({msg})") from exc
    return model


def save_model(path: str | Path, model: LatticeRCNN, summary: dict, half: bool = False, record: bool = False) -> None:
    """Write a trained model file (optionally with float16 weights, to halve its size; ``record``:
    its checksum in ``checksums.json``)."""
    state = {k: (v.half() if half and v.is_floating_point() else v).cpu() for k, v in model.state_dict().items()}
    atomic_save(
        {
            "format": MODEL_FORMAT,
            "version": FORMAT_VERSION,
            "model_config": model.config.to_dict(),
            "model_state": state,
            "summary": summary,
        },
        path,
        record=record,
    )


def load_model_file(path: str | Path) -> tuple[LatticeRCNN, dict]:
    """Read a model file (or the model of a checkpoint) and return it in eval mode with its summary."""
    path = Path(path)
    try:
        obj = read_torch_file(path, MODEL_FORMAT)
        summary = obj.get("summary", {})
    except CheckpointError as exc:
        if f"expected a {MODEL_FORMAT} file" not in str(exc):
            raise
        obj = read_torch_file(path, CHECKPOINT_FORMAT)
        missing = {"model_config", "model_state"} - set(obj)
        if missing:
            raise CheckpointError(f"{path}: checkpoint lacks keys {sorted(missing)}") from None
        summary = {"history": obj.get("history", [])}
    state = {k: v.float() if v.is_floating_point() else v for k, v in obj["model_state"].items()}
    model = model_from_state(obj["model_config"], state, source=str(path))
    return model.eval(), summary

