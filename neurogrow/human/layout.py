"""Where human data live: the shipped ``human_data/`` folder and the Geirhos et al. (2019) layout.

The Geirhos et al. (2019) repository (github.com/rgeirhos/texture-vs-shape) keeps each
experiment's per-subject trial CSVs in ``raw-data/<experiment>/`` and the images in
``stimuli/<set>/<category>/<file>``; :data:`GEIRHOS_STIMULI` is the one map from experiment
folder to stimulus set (several experiments may share a set).
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "GEIRHOS_STIMULI",
    "SHIPPED_EXPERIMENTS",
    "geirhos2019_dir",
    "geirhos_stimulus_folder",
    "human_data_dir",
    "shipped_experiment",
]

#: Geirhos et al. (2019): trial folder under ``raw-data/`` -> stimulus folder under ``stimuli/``.
GEIRHOS_STIMULI = {
    "edge-experiment": "edges",
    "silhouette-filled-experiment": "filled-silhouettes",
}

#: The experiments shipped in ``human_data/geirhos2019``: short name -> trial folder under ``raw-data/``.
SHIPPED_EXPERIMENTS = {
    "edges": "edge-experiment",
    "silhouettes": "silhouette-filled-experiment",
}


def human_data_dir() -> Path:
    """The shipped ``human_data/`` folder (``$NEUROGROW_HUMAN_DATA`` overrides it)."""
    env = os.environ.get("NEUROGROW_HUMAN_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "human_data"


def geirhos2019_dir() -> Path:
    """``human_data/geirhos2019`` (of ``$NEUROGROW_HUMAN_DATA`` if set)."""
    return human_data_dir() / "geirhos2019"


def shipped_experiment(name: str, root: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """(stimulus folder, trial folder) of a shipped experiment (:data:`SHIPPED_EXPERIMENTS`)."""
    root = Path(root) if root is not None else geirhos2019_dir()
    trials = SHIPPED_EXPERIMENTS[name]
    return root / "stimuli" / GEIRHOS_STIMULI[trials], root / "raw-data" / trials


def geirhos_stimulus_folder(trial_dir: str | os.PathLike) -> Path | None:
    """The stimuli of a Geirhos trial folder in the repository's layout (``raw-data/edge-experiment``
    -> ``stimuli/edges``), or None when the folder is not in that layout or the stimuli are absent."""
    p = Path(trial_dir)
    if p.parent.name == "raw-data" and p.name in GEIRHOS_STIMULI:
        folder = p.parent.parent / "stimuli" / GEIRHOS_STIMULI[p.name]
        if folder.is_dir():
            return folder
    return None
