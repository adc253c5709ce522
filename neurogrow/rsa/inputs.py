"""The inputs of ``compare_rsa``: the model's activations on the stimuli and each stimulus's class.

The activations come from an extract HDF5 file or from running a model (the batched forward
pass of :mod:`neurogrow.inference.forward`) on the Geirhos stimuli or on CIFAR-10 test images;
each stimulus gets the human data's class.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human.layout import geirhos_stimulus_folder as default_stimulus_folder
from neurogrow.io.checks import HDF5_MAGIC, is_hdf5
from neurogrow.rsa.human_rdms import HumanRDMs
from neurogrow.rsa.model_rdms import ModelPatterns, patterns_from_h5, patterns_from_model

if TYPE_CHECKING:
    from neurogrow.rsa.analysis import Options

__all__ = ["HDF5_MAGIC", "check_stimuli", "is_hdf5", "load_patterns", "stimulus_identity"]


def _stimulus_classes(stimuli: list[str], human: HumanRDMs, source: str) -> list[str]:
    """The human data's class of every model stimulus (by file name, or CIFAR-10 test index)."""
    from neurogrow.human._common import stimulus_key

    keys = [stimulus_key(s) for s in stimuli]
    seen: dict[str, str] = {}
    for s, k in zip(stimuli, keys):
        if k in seen:
            raise DataError(f"{source}: stimuli {seen[k]!r} and {s!r} have the same file name; expected unique file names")
        seen[k] = s
    missing = [s for s, k in zip(stimuli, keys) if k not in human.stimulus_class]
    if missing:
        example = next(iter(human.stimulus_class))
        raise DataError(
            f"{source}: stimulus {missing[0]!r} is not in the human data {human.source} ({len(missing)} of "
            f"{len(stimuli)} unmatched; human stimuli look like {example!r}); expected the stimuli the humans saw"
        )
    return [human.stimulus_class[k] for k in keys]


def load_patterns(
    model_or_h5: str,
    human: HumanRDMs,
    options: Options,
    images: str | os.PathLike | None = None,
    data_root: str | os.PathLike | None = None,
) -> tuple[ModelPatterns, list[str], str]:
    """The model's activations on the stimuli, each stimulus's class, and a description of the input.

    Parameters
    ----------
    model_or_h5 : str
        An extract HDF5 file with activations, or a model (shipped name, model file, run directory).
    human : HumanRDMs
        The human RDMs (their stimuli decide the classes).
    options : Options
        ``per_class``, ``threshold``, ``batch_size``, ``progress``.
    images : str or Path, optional
        Geirhos data: the stimulus folder (default: inferred from the shipped layout).
    data_root : str or Path, optional
        CIFAR-10H: the data root of the CIFAR-10 test images.

    Returns
    -------
    tuple
        (patterns, classes, description of the stimuli).
    """
    if is_hdf5(model_or_h5):
        if images is not None:
            raise NeurogrowError("--images applies when MODEL_OR_H5 is a model; an HDF5 file already holds the activations")
        patterns = patterns_from_h5(model_or_h5)
        return patterns, _stimulus_classes(patterns.stimuli, human, str(model_or_h5)), f"the stimuli of {model_or_h5}"
    from neurogrow import load_model

    model = load_model(model_or_h5)
    if human.format == "geirhos2019":
        from neurogrow.data import load_image_folder

        folder = Path(images) if images is not None else default_stimulus_folder(human.source, list(human.stimulus_class))
        if folder is None:
            raise NeurogrowError(
                f"{human.source}: cannot tell where its stimuli are; pass --images DIR (the images the subjects saw, DIR/<category>/<file>)"
            )
        ds = load_image_folder(folder, size=model.config.image_size, channels=model.config.in_channels)
        stimuli, imgs, described = ds.ids, ds.images, f"the {len(ds)} images in {folder} (resized to {model.config.image_size}x{model.config.image_size})"
    else:
        from neurogrow.data import load_dataset

        if images is not None:
            raise NeurogrowError("--images applies to Geirhos trial data; with CIFAR-10H the CIFAR-10 test images are used (--data-root)")
        ds = load_dataset("cifar10", "test", root=data_root)
        per = options.per_class or len(ds)
        idx = np.sort(np.concatenate([np.flatnonzero(ds.labels == c)[:per] for c in range(len(ds.class_names))]))
        stimuli, imgs = [ds.ids[i] for i in idx], ds.images[idx]
        described = (
            f"the first {options.per_class} CIFAR-10 test images of each class (test-set order)" if options.per_class
            else "all CIFAR-10 test images"
        )
    classes = _stimulus_classes(stimuli, human, str(images or model_or_h5))
    patterns = patterns_from_model(model, imgs, stimuli, options.batch_size, options.threshold, options.progress)
    return patterns, classes, described


def stimulus_identity(model_or_h5: str, model_stimuli: list[str], human: HumanRDMs, images, stimuli) -> dict:
    """Check by SHA-256 that the model's stimuli are the human experiment's images (see
    :mod:`neurogrow.human.identity`); the record for ``summary.json`` (``inputs.stimulus_identity``)."""
    import pandas as pd

    from neurogrow.human._common import stimulus_key
    from neurogrow.human.identity import check_identity, check_recorded_source, folder_hashes, human_stimulus_hashes

    keys = [stimulus_key(s) for s in model_stimuli]
    matched = pd.DataFrame({"stimulus": keys, "model_stimulus": list(model_stimuli)})
    if is_hdf5(model_or_h5):
        from neurogrow.io import read_times

        table = read_times(model_or_h5)
        check_recorded_source(table.attrs, human.format, model_or_h5)
        if "sha256" in table.columns:
            matched["sha256"] = table.set_index("stimulus").loc[list(model_stimuli), "sha256"].to_numpy()
    elif human.format == "geirhos2019":
        folder = Path(images) if images is not None else default_stimulus_folder(human.source, keys)
        if folder is not None:
            matched["sha256"] = matched["stimulus"].map(folder_hashes(folder, set(keys)).hashes)
    proof = None
    if human.format == "geirhos2019" or stimuli is not None:
        proof = human_stimulus_hashes(human.source, stimuli, keys)
    return check_identity(matched, proof, model_or_h5)


def check_stimuli(classes: list[str], human: HumanRDMs, min_per_class: int) -> dict[str, int]:
    """Stimuli per class; the classes must be the human RDMs' and each needs ``min_per_class`` stimuli."""
    names, counts = np.unique(np.asarray(classes, dtype=str), return_counts=True)
    per = dict(zip(names.tolist(), counts.tolist()))
    missing = [c for c in human.class_names if c not in per]
    extra = [c for c in per if c not in human.class_names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no model stimuli of {', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}")
        if extra:
            parts.append(f"stimuli of classes the human RDMs lack: {', '.join(extra[:5])}")
        raise DataError(
            f"mismatched class sets: the human RDMs have {len(human.class_names)} classes and the model stimuli "
            f"{len(per)} ({'; '.join(parts)}); expected stimuli of every human class and no other"
        )
    few = [(c, n) for c, n in per.items() if n < min_per_class]
    if few:
        c, n = few[0]
        raise DataError(
            f"too few stimuli per class: {c!r} has {n}; expected at least {min_per_class} per class "
            f"for a class-averaged pattern ({len(few)} classes below; see --min-per-class)"
        )
    return per
