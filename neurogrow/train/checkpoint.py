"""Atomic checkpoints of training runs and of trained models.

A *checkpoint* (``checkpoint.pt`` in a run directory) holds everything needed to
resume: model window and weights, optimizer state, random generators, the epoch
reached and the metrics so far. A *model file* holds a trained model only: its
window, weights, class names and a summary of how it was trained.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from neurogrow.errors import CheckpointError
from neurogrow.model.config import ModelConfig
from neurogrow.model.lattice import LatticeRCNN
from neurogrow.outputs import apply_umask

CHECKPOINT_FORMAT = "neurogrow-checkpoint"
MODEL_FORMAT = "neurogrow-model"
FORMAT_VERSION = 1


def atomic_save(obj: Any, path: str | Path) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        apply_umask(tmp)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: str | Path, expected_format: str) -> dict:
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


def save_checkpoint(path: str | Path, **fields: Any) -> None:
    """Write a resumable checkpoint atomically."""
    atomic_save({"format": CHECKPOINT_FORMAT, "version": FORMAT_VERSION, **fields}, path)


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`; raises CheckpointError if unusable."""
    obj = _load(path, CHECKPOINT_FORMAT)
    missing = {"config", "model_config", "model_state", "optimizer_state", "epoch"} - set(obj)
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks keys {sorted(missing)}")
    return obj


def save_model(path: str | Path, model: LatticeRCNN, summary: dict, half: bool = False) -> None:
    """Write a trained model file (optionally with float16 weights, to halve its size)."""
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
    )


def load_model_file(path: str | Path) -> tuple[LatticeRCNN, dict]:
    """Read a model file (or the model of a checkpoint) and return it in eval mode with its summary."""
    path = Path(path)
    try:
        obj = _load(path, MODEL_FORMAT)
        summary = obj.get("summary", {})
    except CheckpointError as exc:
        if "expected a neurogrow-model file" not in str(exc):
            raise
        obj = load_checkpoint(path)
        summary = {"history": obj.get("history", [])}
    state = {k: v.float() if v.is_floating_point() else v for k, v in obj["model_state"].items()}
    model = model_from_state(obj["model_config"], state, source=str(path))
    return model.eval(), summary


def file_checksum(path: str | Path) -> str:
    """SHA-256 of a file, as ``sha256:<hex>``."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return f"sha256:{h.hexdigest()}"

