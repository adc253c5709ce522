"""Trained models shipped with neurogrow, and loading a model by name or path.

The registry is ``models.json`` beside this file: for each model its file, the
config that trained it and the exact command. ``list_models()`` names them, the
default first.
Reading the registry needs no torch (``neurogrow models``); :func:`load_model` imports it.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from neurogrow.errors import NeurogrowError

if TYPE_CHECKING:  # pragma: no cover
    from neurogrow.model.lattice import LatticeRCNN

ZOO_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _registry() -> dict:
    return json.loads((ZOO_DIR / "models.json").read_text())


def list_models() -> list[str]:
    """Names of the shipped models, the default first."""
    reg = _registry()
    names = [m["name"] for m in reg["models"]]
    return [reg["default"]] + [n for n in names if n != reg["default"]]


def default_model() -> str:
    """Name of the default shipped model."""
    return _registry()["default"]


def model_info(name: str) -> dict:
    """Registry entry of a shipped model (file, config, command, description)."""
    for entry in _registry()["models"]:
        if entry["name"] == name:
            return dict(entry)
    raise NeurogrowError(f"unknown model {name!r}; shipped models: {', '.join(list_models())}")


def resolve_model_path(name_or_path: str | Path) -> tuple[str, Path]:
    """(name, file) of a shipped model name or a path to a model or checkpoint file."""
    text = str(name_or_path)
    if text in list_models():
        return text, ZOO_DIR / model_info(text)["file"]
    path = Path(text)
    if path.is_dir() and (path / "model.pt").is_file():
        path = path / "model.pt"
    if path.is_file():
        return path.stem if path.name != "model.pt" else path.parent.name, path
    raise NeurogrowError(
        f"{text!r} is neither a shipped model ({', '.join(list_models())}) nor an existing model file or run directory"
    )


def load_model(name_or_path: str | Path | None = None, device: str = "cpu") -> LatticeRCNN:
    """Load a trained lattice RCNN in eval mode.

    Parameters
    ----------
    name_or_path
        A shipped model's name (see :func:`list_models`; default: the default model),
        a ``model.pt`` or ``checkpoint.pt`` file, or a run directory.
    device
        Where to put the model.

    Returns
    -------
    LatticeRCNN
        With extra attributes ``name``, ``path``, ``checksum`` (``sha256:...`` of the
        file) and ``summary`` (how it was trained and its test metrics at the end of
        training).
    """
    from neurogrow.hashing import file_checksum
    from neurogrow.model.files import load_model_file

    name, path = resolve_model_path(name_or_path or default_model())
    model, summary = load_model_file(path)
    model.name = name
    model.path = str(path)
    model.checksum = file_checksum(path)
    model.summary = summary
    return model.to(device)
