"""Where human data live: the shipped ``human_data/`` folder and the Geirhos et al. (2019) layout.

The Geirhos et al. (2019) repository (github.com/rgeirhos/texture-vs-shape) keeps each
experiment's per-subject trial CSVs in ``raw-data/<experiment>/`` and the images in
``stimuli/<set>/<category>/<file>``; :data:`GEIRHOS_STIMULI` is the one map from experiment
folder to stimulus set (several experiments share a set: the three style-transfer experiments
all show ``stimuli/style-transfer-preprocessed-512``).

For an experiment folder not in the map, :func:`geirhos_stimulus_folder` falls back to the
stimulus sets beside it: the one folder under ``stimuli/`` whose image file names include every
stimulus of the trials. When several do (edges and filled silhouettes share their file names)
the choice is refused and ``--stimuli DIR`` must name the folder.

The shipped data: the repository keeps the small public datasets in its top-level
``human_data/`` folder, and the wheel carries the same folder as the package data
``neurogrow/_human_data`` (``setup.py`` maps ``human_data/`` to the package
``neurogrow._human_data``), so an installed neurogrow never reads a checkout.
:func:`human_data_dir` (the one place that resolves it, used by ``compare-rt --demo``,
``compare-rsa`` and the Brain-Score plugins) looks, in this order, at

1. ``$NEUROGROW_HUMAN_DATA``, when set (another ``human_data`` folder of the same layout);
2. the package data ``neurogrow._human_data`` (an installed wheel, or an editable install);
3. ``human_data/`` beside the ``neurogrow`` package (running from the source tree).

A folder that does not exist is a one-line :class:`~neurogrow.errors.DataError`.
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path

from neurogrow.data.image_folder import IMAGE_SUFFIXES
from neurogrow.errors import DataError

__all__ = [
    "ENV_VAR",
    "GEIRHOS_STIMULI",
    "PACKAGE",
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
    "style-transfer-512-nomask-experiment": "style-transfer-preprocessed-512",
    "style-transfer-512-nomask-content-guessing-experiment": "style-transfer-preprocessed-512",
    "style-transfer-512-nomask-texture-guessing-experiment": "style-transfer-preprocessed-512",
}

#: The experiments shipped in ``human_data/geirhos2019``: short name -> trial folder under ``raw-data/``.
SHIPPED_EXPERIMENTS = {
    "edges": "edge-experiment",
    "silhouettes": "silhouette-filled-experiment",
}


#: Environment variable naming another ``human_data`` folder.
ENV_VAR = "NEUROGROW_HUMAN_DATA"
#: The package that holds ``human_data/`` in a built wheel.
PACKAGE = "neurogrow._human_data"


def _packaged() -> Path | None:
    """The folder of the data package (a namespace package: the data folder has no ``__init__.py``)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except ModuleNotFoundError:
        return None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(location)
        if path.is_dir():
            return path
    return None


def human_data_dir() -> Path:
    """The ``human_data`` folder: ``$NEUROGROW_HUMAN_DATA``, else the package data, else the source tree's."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not path.is_dir():
            raise DataError(f"{ENV_VAR}={env}: no such folder; expected a human_data folder (with geirhos2019/, cifar10h/)")
        return path
    packaged = _packaged()
    if packaged is not None:
        return packaged
    source = Path(__file__).resolve().parents[2] / "human_data"
    if source.is_dir():
        return source
    raise DataError(
        f"the shipped human data are missing: no package {PACKAGE} and no {source}; "
        f"reinstall neurogrow or set {ENV_VAR} to a human_data folder"
    )


def geirhos2019_dir() -> Path:
    """``geirhos2019`` of :func:`human_data_dir`."""
    return human_data_dir() / "geirhos2019"


def shipped_experiment(name: str, root: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """(stimulus folder, trial folder) of a shipped experiment (:data:`SHIPPED_EXPERIMENTS`)."""
    root = Path(root) if root is not None else geirhos2019_dir()
    trials = SHIPPED_EXPERIMENTS[name]
    return root / "stimuli" / GEIRHOS_STIMULI[trials], root / "raw-data" / trials


def geirhos_stimulus_folder(trial_dir: str | os.PathLike, stimuli: Iterable[str] | None = None) -> Path | None:
    """The stimulus folder of a Geirhos trial folder (or trial CSV) in the repository's layout.

    ``raw-data/<experiment>`` -> ``stimuli/<set>`` by :data:`GEIRHOS_STIMULI`; for an experiment
    not in the map, and given the trials' stimulus file names ``stimuli``, the one folder under
    ``stimuli/`` holding all of them.  None when the path is not in that layout or no folder
    holds the stimuli; :class:`~neurogrow.errors.DataError` when several do.
    """
    p = Path(trial_dir)
    if p.is_file():
        p = p.parent
    if p.parent.name != "raw-data":
        return None
    sets = p.parent.parent / "stimuli"
    if p.name in GEIRHOS_STIMULI:
        folder = sets / GEIRHOS_STIMULI[p.name]
        return folder if folder.is_dir() else None
    if stimuli is None or not sets.is_dir():
        return None
    wanted = {Path(s).name for s in stimuli}
    candidates = [d for d in sorted(sets.iterdir()) if d.is_dir() and wanted <= _image_names(d)]
    if len(candidates) > 1:
        raise DataError(
            f"{p}: the stimuli of this experiment are in several folders ({', '.join(str(c) for c in candidates)}); "
            "expected one: pass --stimuli DIR"
        )
    return candidates[0] if candidates else None


def _image_names(folder: Path) -> set[str]:
    return {f.name for f in folder.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES}
