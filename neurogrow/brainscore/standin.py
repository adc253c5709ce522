"""Offline stand-ins for Brain-Score's ``Geirhos2021_edge`` and ``Geirhos2021_silhouette``, built from the shipped trials.

Brain-Score serves these two datasets from its S3 storage (``brainscore_vision/data/geirhos2021``),
packaged by its scripts ``data_packaging/{edge,silhouette}/*_stimulus_set.py`` and
``*_data_assembly.py`` from the same trial CSVs and images that ship with neurogrow
(``human_data/geirhos2019``). This module repeats that packaging, offline, and loads the result with
BrainIO's own loaders, so that the objects have Brain-Score's structure:

- StimulusSet ``Geirhos2021_<dataset>``: one row per image, ``image_id`` = the file stem
  (``airplane1``; the same ids in both datasets), ``image_category`` and ``truth`` (the category),
  ``image_variation`` (the number), ``condition`` 0, ``filename`` (from the zip BrainIO writes) and
  ``stimulus_id`` (= ``image_id``, which BrainIO's loader adds to legacy sets);
- BehavioralAssembly ``brendel.Geirhos2021_<dataset>``: one ``presentation`` per trial (1,600),
  values = ``object_response`` (``na`` without a response), coordinates ``image_id`` (parsed from
  ``imagename``), ``image_id_long`` (``imagename``), ``truth``, ``choice``, ``category``,
  ``condition``, ``response_time`` (the CSVs' ``rt``, s; NaN without a response), ``trial``,
  ``subject`` (``subj``), ``session``, then ``stimulus_id`` and the stimulus set's columns merged in
  by BrainIO's ``StimulusMergeAssemblyLoader``; ``assembly.stimulus_set`` is the stimulus set.

:func:`register` puts these under Brain-Score's identifiers in ``brainscore_vision``'s
``data_registry`` and ``stimulus_set_registry`` (after importing Brain-Score's own data plugin, so
that its S3 loaders do not replace them later). ``neurogrow brainscore score`` and the tests use it;
Brain-Score itself reads its S3 copies. As a pytest plugin (``pytest -p neurogrow.brainscore.standin``)
it registers the stand-ins before any test runs: the plugins' ``test.py`` then run offline.
"""
from __future__ import annotations

import atexit
import contextlib
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd

from neurogrow.errors import DataError
from neurogrow.human.layout import geirhos2019_dir

__all__ = ["DATASETS", "load_assembly", "load_stimulus_set", "register"]

#: Brain-Score dataset -> (stimulus folder, trial folder) under ``human_data/geirhos2019``.
DATASETS = {
    "edge": ("stimuli/edges", "raw-data/edge-experiment"),
    "silhouette": ("stimuli/filled-silhouettes", "raw-data/silhouette-filled-experiment"),
}


@cache
def _workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="neurogrow-geirhos2021-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def _folders(dataset: str) -> tuple[Path, Path]:
    if dataset not in DATASETS:
        raise DataError(f"Geirhos2021 dataset {dataset!r}: expected one of {', '.join(DATASETS)}")
    root = geirhos2019_dir()
    stimuli, trials = (root / p for p in DATASETS[dataset])
    for folder in (stimuli, trials):
        if not folder.is_dir():
            raise DataError(f"{folder}: no such folder; expected the shipped Geirhos et al. data (or set NEUROGROW_HUMAN_DATA)")
    return stimuli, trials


@cache
def _packaged(dataset: str) -> tuple[Path, Path, Path]:
    """(csv, unzipped stimulus folder, netCDF) of the dataset, packaged with BrainIO's functions."""
    from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly
    from brainscore_core.supported_data_standards.brainio.fetch import unzip
    from brainscore_core.supported_data_standards.brainio.packaging import create_stimulus_csv, create_stimulus_zip, write_netcdf
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    stimulus_dir, trial_dir = _folders(dataset)
    out = _workdir() / dataset
    out.mkdir()
    rows, paths = [], {}
    for path in sorted(stimulus_dir.glob("*/*.png")):
        match = re.fullmatch(r"([a-z]+)([0-9]+)", path.stem, re.I)
        if match is None:
            raise DataError(f"{path}: expected a file name <category><number>.png, as Brain-Score's packaging parses it")
        rows.append({"stimulus_id": path.stem, "image_id": path.stem, "image_category": match[1], "truth": match[1],
                     "image_variation": match[2], "condition": 0})
        paths[path.stem] = path
    proto = StimulusSet(rows)
    proto.stimulus_paths = paths
    csv, archive = out / f"stimulus_Geirhos2021_{dataset}.csv", out / f"stimulus_Geirhos2021_{dataset}.zip"
    _, filenames = create_stimulus_zip(proto, str(archive))
    proto["filename"] = filenames
    create_stimulus_csv(proto, str(csv))
    files = sorted(trial_dir.glob("*.csv"))
    if not files:
        raise DataError(f"{trial_dir}: no trial CSVs")
    trials = pd.concat([pd.read_csv(f) for f in files])
    image_id = trials["imagename"].str.split("_", expand=True)[6].str.replace(".png", "")
    coords = {
        "image_id": image_id, "image_id_long": trials["imagename"], "truth": trials["category"],
        "choice": trials["object_response"], "category": trials["category"], "condition": trials["condition"],
        "response_time": trials["rt"], "trial": trials["trial"], "subject": trials["subj"], "session": trials["session"],
    }
    assembly = BehavioralAssembly(
        trials["object_response"].to_numpy(), coords={k: ("presentation", v.to_numpy()) for k, v in coords.items()}, dims=["presentation"]
    )
    assembly.attrs["stimulus_set_identifier"] = f"Geirhos2021_{dataset}"
    netcdf = out / f"assy_brendel_Geirhos2021_{dataset}.nc"
    write_netcdf(assembly, netcdf)
    return csv, Path(unzip(str(archive))), netcdf


def load_stimulus_set(dataset: str):
    """The stand-in of ``load_stimulus_set('Geirhos2021_<dataset>')``."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet, StimulusSetLoader

    csv, folder, _ = _packaged(dataset)
    stimulus_set = StimulusSetLoader(cls=StimulusSet, csv_path=csv, stimuli_directory=folder).load()
    stimulus_set.identifier = f"Geirhos2021_{dataset}"
    return stimulus_set


def load_assembly(dataset: str):
    """The stand-in of ``load_dataset('Geirhos2021_<dataset>')``."""
    from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly, StimulusMergeAssemblyLoader

    _, _, netcdf = _packaged(dataset)
    stimulus_set = load_stimulus_set(dataset)
    loader = StimulusMergeAssemblyLoader(
        cls=BehavioralAssembly, file_path=netcdf, stimulus_set_identifier=stimulus_set.identifier, stimulus_set=stimulus_set
    )
    assembly = loader.load()
    assembly.attrs["identifier"] = f"brendel.Geirhos2021_{dataset}"
    return assembly


def register() -> None:
    """Register the stand-ins under ``Geirhos2021_edge`` / ``Geirhos2021_silhouette`` in brainscore_vision's registries."""
    from brainscore_vision import data_registry, stimulus_set_registry

    # Brain-Score's own plugin first, so that a later load_dataset (which imports it) keeps the stand-ins;
    # a brainscore_vision without that plugin has nothing that would replace them
    with contextlib.suppress(ImportError):
        import brainscore_vision.data.geirhos2021  # noqa: F401
    for dataset in DATASETS:
        data_registry[f"Geirhos2021_{dataset}"] = lambda d=dataset: load_assembly(d)
        stimulus_set_registry[f"Geirhos2021_{dataset}"] = lambda d=dataset: load_stimulus_set(d)


def pytest_configure(config) -> None:
    """``pytest -p neurogrow.brainscore.standin``: the stand-ins are registered before the tests are collected."""
    register()
