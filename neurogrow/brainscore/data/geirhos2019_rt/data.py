"""Geirhos et al. (2019) edge and silhouette experiments as a Brain-Score StimulusSet and BehavioralAssembly.

The stimuli and trials ship with neurogrow (``human_data/geirhos2019`` of the repository, the
package data ``neurogrow/_human_data/geirhos2019`` of the wheel; ``$NEUROGROW_HUMAN_DATA`` names
another ``human_data`` folder: :func:`neurogrow.human.layout.human_data_dir`). The trials
are parsed by :func:`neurogrow.human.load_human`.

StimulusSet (identifier ``Geirhos2019_rt_<experiment>``): one row per image, ``stimulus_id``
``<experiment>-<file stem>`` (``edge-oven10``: the same file names occur in both experiments),
``filename`` (``<category>/<file>``), ``image_label`` and ``truth`` (the category), ``experiment``.

BehavioralAssembly (identifier ``Geirhos2019_rt_<experiment>``): one ``presentation`` per trial
(10 subjects x 160 images), values = reaction time in seconds from the onset of the response
screen (NaN for a trial without response), with coordinates ``response_time`` (the same values,
under the name Brain-Score's Geirhos2021 assemblies use), ``stimulus_id``, ``subject``,
``responded``, ``correct`` (1.0/0.0, NaN without response), ``truth``, ``experiment``;
``assembly.stimulus_set`` is its StimulusSet.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

from neurogrow.errors import DataError
from neurogrow.human import load_human
from neurogrow.human.layout import GEIRHOS_STIMULI, geirhos2019_dir

__all__ = ["EXPERIMENTS", "geirhos2019_dir", "load_assembly", "load_stimulus_set"]

#: Experiment -> (stimulus folder, trial folder) under ``human_data/geirhos2019`` (from :mod:`neurogrow.human.layout`).
EXPERIMENTS = {
    name: (f"stimuli/{GEIRHOS_STIMULI[trials]}", f"raw-data/{trials}")
    for name, trials in (("edge", "edge-experiment"), ("silhouette", "silhouette-filled-experiment"))
}


def _check_experiment(experiment: str) -> tuple[str, str]:
    if experiment not in EXPERIMENTS:
        raise DataError(f"Geirhos 2019 experiment {experiment!r}: expected one of {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[experiment]


def _trials(experiment: str, root: Path):
    _, trial_dir = _check_experiment(experiment)
    path = root / trial_dir
    if not path.is_dir():
        raise DataError(f"{path}: no such folder; expected the Geirhos et al. 2019 trial CSVs (set NEUROGROW_HUMAN_DATA)")
    return load_human(path).trials


def load_stimulus_set(experiment: str, root: str | Path | None = None) -> StimulusSet:
    """The images of one experiment (every image a trial refers to), each file checked to exist."""
    root = Path(root) if root is not None else geirhos2019_dir()
    return _stimulus_set(experiment, root, _trials(experiment, root))


def _stimulus_set(experiment: str, root: Path, trials) -> StimulusSet:
    stim_dir, _ = _check_experiment(experiment)
    images = trials.drop_duplicates("stimulus").sort_values("stimulus", kind="stable")
    rows = []
    paths = {}
    for stimulus, category in zip(images["stimulus"], images["category"]):
        filename = f"{category}/{stimulus}"
        path = root / stim_dir / filename
        if not path.is_file():
            raise DataError(f"{path}: stimulus file not found; the {experiment} trials show {stimulus} (category {category})")
        sid = f"{experiment}-{Path(stimulus).stem}"
        rows.append({"stimulus_id": sid, "filename": filename, "image_label": category, "truth": category, "experiment": experiment})
        paths[sid] = path
    stimulus_set = StimulusSet(rows)
    stimulus_set.stimulus_paths = paths
    stimulus_set.identifier = f"Geirhos2019_rt_{experiment}"
    return stimulus_set


def load_assembly(experiment: str, root: str | Path | None = None) -> BehavioralAssembly:
    """All trials of one experiment (responded or not); ``attrs['stimulus_set']`` holds its StimulusSet."""
    root = Path(root) if root is not None else geirhos2019_dir()
    trials = _trials(experiment, root)
    stimulus_set = _stimulus_set(experiment, root, trials)
    sid = np.array([f"{experiment}-{Path(s).stem}" for s in trials["stimulus"]], dtype=object)
    correct = trials["correct"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    assembly = BehavioralAssembly(
        trials["rt"].to_numpy(dtype=float),
        coords={
            "stimulus_id": ("presentation", sid),
            "subject": ("presentation", trials["subject"].to_numpy(dtype=object)),
            "responded": ("presentation", trials["responded"].to_numpy(dtype=bool)),
            "correct": ("presentation", correct),
            "response_time": ("presentation", trials["rt"].to_numpy(dtype=float)),
            "truth": ("presentation", trials["category"].to_numpy(dtype=object)),
            "experiment": ("presentation", np.array([experiment] * len(trials), dtype=object)),
        },
        dims=["presentation"],
    )
    assembly.attrs["stimulus_set"] = stimulus_set
    assembly.attrs["stimulus_set_identifier"] = stimulus_set.identifier
    assembly.attrs["identifier"] = f"Geirhos2019_rt_{experiment}"
    return assembly
