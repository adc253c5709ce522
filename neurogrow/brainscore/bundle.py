"""The submission bundle: neurogrow's Brain-Score plugin folders as they go into brain-score/vision.

``neurogrow brainscore bundle --out DIR`` writes ``DIR/brainscore_vision/<kind>/<plugin>/`` for
each plugin in :data:`PLUGINS`: its ``__init__.py``, code, ``test.py``, ``requirements.txt`` and
``metadata.yml`` where it has one, byte for byte as they ship in neurogrow (no caches). Copying
``DIR/brainscore_vision`` over a brain-score/vision checkout adds exactly these folders.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from neurogrow.errors import NeurogrowError

__all__ = ["PLUGINS", "PLUGIN_ROOT", "plugin_files", "write_bundle"]

PLUGIN_ROOT = Path(__file__).resolve().parent
#: (kind, folder) of every plugin, as under ``brainscore_vision/``.
PLUGINS = (
    ("models", "neurogrow_blt_cifar10"),
    ("benchmarks", "geirhos2021_rt"),
    ("metrics", "solution_time_rt"),
)
#: The files a plugin folder may hold (Brain-Score's names).
_SUFFIXES = {".py", ".txt", ".yml", ".yaml", ".md"}


def plugin_files(kind: str, name: str) -> list[Path]:
    """The files of one plugin folder, relative to it (no caches, no compiled files)."""
    folder = PLUGIN_ROOT / kind / name
    if not (folder / "__init__.py").is_file():
        raise NeurogrowError(f"{folder}: not a plugin folder (no __init__.py); the neurogrow installation is incomplete")
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in _SUFFIXES and "__pycache__" not in p.parts
    )


def write_bundle(out: str | Path, overwrite: bool = False) -> list[Path]:
    """Write every plugin folder under ``out/brainscore_vision/``; returns the folders written.

    A plugin folder that exists already is an error unless ``overwrite`` (then it is replaced).
    Each folder is written to a temporary sibling first and renamed into place.
    """
    out = Path(out)
    targets = [(kind, name, out / "brainscore_vision" / kind / name) for kind, name in PLUGINS]
    existing = [str(t) for _, _, t in targets if t.exists()]
    if existing and not overwrite:
        raise NeurogrowError(f"{existing[0]} exists; pass --overwrite to replace the plugin folders in {out}")
    written = []
    for kind, name, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
        tmp.chmod(0o755)
        try:
            for rel in plugin_files(kind, name):
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(PLUGIN_ROOT / kind / name / rel, tmp / rel)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        written.append(target)
    return written
