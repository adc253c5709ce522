"""Model halting times per stimulus: the computation behind ``neurogrow extract``.

:func:`extract_times` runs a model on every image of a folder (``DIR/<class>/<image>``, resized
to the model's input size) or of a named dataset split, optionally occluded, and returns one row
per stimulus with the time the model used on it; :func:`write_extract` writes the result as a
times file (``docs/hdf5_schema.md``).

Modes, and what ``expected_steps`` means in each
------------------------------------------------
``expected_steps`` is always E_pi[t] = sum_t t pi(t | x) over the *whole* halting distribution,
and ``exit_step`` the first step where the cumulative pi reaches the threshold. With adaptive
halting, pi(t) for t after the exit depends on halting probabilities the early-exit network
never computes, so E_pi[t] cannot be known from the steps run to the exit (pi up to the exit
only bounds it). No value is made up for it:

* ``early-exit`` (default): :func:`~neurogrow.inference.run_early_exit` gives each image's exit
  step, its answer at that step (``prediction``, ``correct``) and ``flops``, the FLOPs spent up
  to the exit. Exited images are then run on to step T (``complete=True``) only to record the
  quantities defined over all steps: ``expected_steps``, the per-step probabilities and, with
  activations, every layer at every step. Their cost is not in ``flops``; it is
  ``n_stimuli * sum(flops_per_step) - sum(flops)``. The run costs as much compute as
  ``full-length``; the saving of early exit is what ``flops`` records (and what
  ``benchmarks/speed/early_exit.py`` times).
* ``full-length`` (``--full-length``): the baseline; every image runs to T
  (:func:`~neurogrow.inference.run_full_length`) and is charged all T steps in ``flops``. Every
  other column is identical to ``early-exit``.
* ``exit-only`` (``--exit-only``): pure early exit, each image computed only up to its exit.
  Per-step probabilities, halting probabilities and activations after an image's exit are NaN,
  and so is ``expected_steps`` unless pi is known at every step (fixed-time models, T = 1, or an
  image that exits at T). Compare such a file with human RTs using ``--model-time exit_step``.

Labels
------
For an image folder, an image's ``label`` is the name of its class folder (``cat/0001.png`` ->
``cat``); for a dataset, the dataset's class name. ``correct`` compares the prediction with the
label's *model class*: the label itself when it is one of the model's class names, else the
class the class map assigns to it; when there is none, ``correct`` is missing (NA). The built-in
map ``geirhos16`` maps the 16 categories of Geirhos et al. (2019) to CIFAR-10 classes where one
exists (:data:`GEIRHOS16_TO_CIFAR10`); a CSV ``folder,class`` gives any other map (an empty
``class`` means no model class).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from neurogrow.data import ImageDataset, load_dataset, load_image_folder, occlude
from neurogrow.data.image_folder import sha256_bytes
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human._common import read_csv_text
from neurogrow.inference import check_threshold
from neurogrow.inference.forward import MODES, run_forward
from neurogrow.io import write_times
from neurogrow.model.lattice import LatticeRCNN
from neurogrow.progress import status

__all__ = [
    "CLASS_MAPS",
    "GEIRHOS16_TO_CIFAR10",
    "MODES",
    "ExtractResult",
    "extract_times",
    "load_class_map",
    "write_extract",
]

#: The 16 categories of Geirhos et al. (2019) and their CIFAR-10 class, where CIFAR-10 has one.
GEIRHOS16_TO_CIFAR10: dict[str, str | None] = {
    "airplane": "airplane",
    "bear": None,
    "bicycle": None,
    "bird": "bird",
    "boat": "ship",
    "bottle": None,
    "car": "automobile",
    "cat": "cat",
    "chair": None,
    "clock": None,
    "dog": "dog",
    "elephant": None,
    "keyboard": None,
    "knife": None,
    "oven": None,
    "truck": "truck",
}

#: Built-in class maps by name (``--class-map NAME``).
CLASS_MAPS = {"geirhos16": GEIRHOS16_TO_CIFAR10}

#: What the ``sha256`` column hashes (the ``stimulus_hash`` root attribute).
HASH_FILES = "sha256 of the image file's bytes as read"
HASH_PIXELS = "sha256 of the decoded uint8 pixels (H, W, C, row-major) as read from the dataset"

FLOPS_UNIT = "FLOPs per image, 2 per multiply-add of convolutions and matrix products (torch.utils.flop_counter)"


@dataclass
class ExtractResult:
    """What :func:`extract_times` returns.

    Attributes
    ----------
    table
        One row per stimulus: ``stimulus`` (str), ``label`` (str or None), ``expected_steps``
        (float), ``exit_step`` (int), ``prediction`` (class name), ``correct`` (nullable
        boolean), ``flops`` (int, FLOPs spent on the stimulus's answer), ``sha256`` (hex SHA-256
        of the image as read: the file's bytes, or a dataset image's uint8 pixels).
    step_probs
        Class probabilities at every step, shape (N, T, K), float32.
    halting
        Halting distribution over steps, shape (N, T), float32.
    class_names
        The model's K class names.
    activations
        With ``activations=True``: ``{"layer<l>-t<t>": (N, C_l) float32}``, layers and steps
        counted from 1; else None.
    attrs
        Metadata written as root attributes: model name and checksum, ``exit_threshold``,
        ``mode``, ``flops_per_step`` (JSON list), ``flops_unit``, ``source``, ``occlusion``,
        ``occlusion_seed``, ``class_map``, ``stimulus_hash`` (what ``sha256`` hashes).
    """

    table: pd.DataFrame
    step_probs: np.ndarray
    halting: np.ndarray
    class_names: list[str]
    activations: dict[str, np.ndarray] | None = None
    attrs: dict = field(default_factory=dict)


def load_class_map(spec: str | os.PathLike | dict | None, class_names: list[str]) -> dict[str, str | None]:
    """Map from label names to model class names (None: no model class).

    Parameters
    ----------
    spec
        None (no map), a built-in map's name (:data:`CLASS_MAPS`), a CSV file with columns
        ``folder,class`` (an empty ``class`` means none), or a dict.
    class_names
        The model's class names; every mapped class must be one of them.

    Returns
    -------
    dict
        Label name -> model class name or None.
    """
    if spec is None:
        return {}
    if isinstance(spec, dict):
        mapping, source = dict(spec), "class map"
    elif str(spec) in CLASS_MAPS:
        mapping, source = dict(CLASS_MAPS[str(spec)]), f"class map {spec}"
    else:
        path = Path(spec)
        if not path.is_file():
            raise DataError(
                f"{path}: class map not found; expected {', '.join(CLASS_MAPS)} or a CSV file with columns folder,class"
            )
        df = read_csv_text(path)
        missing = [c for c in ("folder", "class") if c not in df.columns]
        if missing:
            raise DataError(f"{path}: missing column(s) {', '.join(missing)}; a class map needs columns folder,class")
        dup = df["folder"].duplicated()
        if dup.any():
            raise DataError(f"{path}: folder {df['folder'][dup].iloc[0]!r} appears twice; expected one row per folder")
        mapping = {f: (c or None) for f, c in zip(df["folder"], df["class"])}
        source = str(path)
    for name, target in mapping.items():
        if target is not None and target not in class_names:
            raise DataError(f"{source}: {name!r} maps to {target!r}; expected one of the model's classes {', '.join(class_names)}")
    return mapping


def _load_stimuli(model: LatticeRCNN, images_dir, dataset, data_root, split) -> tuple[ImageDataset, str]:
    """The images (resized/checked to the model's input) and a description of their source."""
    cfg = model.config
    if (images_dir is None) == (dataset is None):
        raise NeurogrowError("expected exactly one of an image folder (--images DIR) or a dataset (--dataset NAME)")
    if images_dir is not None:
        from neurogrow.inference.folder_layout import check_class_level

        check_class_level(images_dir)
        status(f"reading the images of {images_dir}")
        data = load_image_folder(images_dir, size=cfg.image_size, channels=cfg.in_channels)
        return data, f"images:{Path(images_dir)}"
    status(f"loading {dataset} {split} split")
    if dataset == "folder":  # your own images, decoded at the model's input size (neurogrow.data.folder)
        from neurogrow.data.folder import folder_for_model

        data_root, options = folder_for_model(model, data_root)
        data = load_dataset("folder", split, root=data_root, **options)
    else:
        data = load_dataset(str(dataset), split, root=data_root)
    shape = data.images.shape[1:]
    expected = (cfg.image_size, cfg.image_size, cfg.in_channels)
    if tuple(shape) != expected:
        raise DataError(
            f"dataset {data.name}: images of {shape[0]}x{shape[1]}x{shape[2]}; the model expects "
            f"{expected[0]}x{expected[1]}x{expected[2]} (use --images DIR to resize a folder of images)"
        )
    return data, f"dataset:{data.name}/{split}"


def stimulus_hashes(data: ImageDataset) -> list[str]:
    """Per stimulus, the SHA-256 of the image as read, before any resizing or occlusion: of the
    file's bytes for an image folder, of the decoded uint8 pixels for a dataset."""
    if data.sha256 is not None:
        return list(data.sha256)
    return [sha256_bytes(np.ascontiguousarray(img).tobytes()) for img in data.images]


def _targets(data: ImageDataset, class_names: list[str], mapping: dict[str, str | None]) -> tuple[list, list]:
    """Per image: its label name (None if unlabelled) and its model class index (None if none)."""
    labels, targets = [], []
    for lab in data.labels:
        name = data.class_names[lab] if lab >= 0 else None
        target = None if name is None else mapping.get(name, name if name in class_names else None)
        labels.append(name)
        targets.append(class_names.index(target) if target is not None else None)
    return labels, targets


def extract_times(
    model: LatticeRCNN,
    images_dir: str | os.PathLike | None = None,
    dataset: str | None = None,
    *,
    data_root: str | os.PathLike | None = None,
    split: str = "test",
    occlusion: float = 0.0,
    seed: int = 0,
    threshold: float = 0.5,
    full_length: bool = False,
    exit_only: bool = False,
    activations: bool = False,
    batch_size: int = 256,
    class_map: str | os.PathLike | dict | None = None,
    progress: bool = True,
    note_classes: bool = True,
) -> ExtractResult:
    """Run a model on a folder of images or a dataset split and record its time per stimulus.

    Parameters
    ----------
    model
        The network (see :func:`neurogrow.load_model`).
    images_dir
        ``DIR/<class>/<image>`` or a flat folder of images; images are resized to the model's
        input size (bilinear). Stimuli are paths relative to ``DIR``.
    dataset
        A dataset name (:data:`neurogrow.data.DATASET_NAMES`) instead of ``images_dir``;
        stimuli are the dataset's ids (CIFAR-10: the test-set index).
    data_root
        Data root for ``dataset`` (default :func:`neurogrow.data.default_data_root`).
    split
        Dataset split.
    occlusion
        Fraction of each image's pixels covered by grey rectangles, in [0, 1); the occluder
        depends only on (stimulus, ``seed``).
    seed
        Occlusion seed.
    threshold
        Cumulative halting probability that defines the exit step, in (0, 1].
    full_length
        Run every image to T (the baseline); ``flops`` then counts all T steps.
    exit_only
        Compute each image only up to its exit (see the module docstring: ``expected_steps``
        and the per-step arrays are NaN after the exit where unknown).
    activations
        Also return every layer's global-average-pooled state at every step.
    batch_size
        Images per forward pass.
    class_map
        How label names map to model classes for ``correct`` (see :func:`load_class_map`).
    progress
        Show progress (:mod:`neurogrow.progress`: a bar on a terminal, plain lines elsewhere,
        nothing under ``--quiet``).
    note_classes
        Say on stderr how many class folders are not among the model's classes (and so get
        ``correct`` = n/a). A folder whose images all sit two levels down (experiments over classes)
        is refused, naming the level that holds the class folders.

    Returns
    -------
    ExtractResult
    """
    if full_length and exit_only:
        raise NeurogrowError("--full-length and --exit-only exclude each other; pass at most one")
    from neurogrow import arguments

    if not 0.0 <= arguments.number(occlusion, "--occlusion") < 1.0:
        raise NeurogrowError(f"--occlusion {occlusion}: expected a fraction of pixels in [0, 1)")
    threshold = check_threshold(threshold, "--threshold")
    batch_size = arguments.integer(batch_size, "--batch-size", 1)
    seed = arguments.seed(seed)
    for name, value in (("full_length", full_length), ("exit_only", exit_only), ("activations", activations)):
        arguments.flag(value, name)
    class_names = model.class_names
    mapping = load_class_map(class_map, class_names)
    data, source = _load_stimuli(model, images_dir, dataset, data_root, split)
    images = occlude(data.images, data.ids, float(occlusion), seed) if occlusion > 0 else data.images
    labels, targets = _targets(data, class_names, mapping)
    from neurogrow.inference.folder_layout import class_mismatch, warn

    if note_classes:  # on stderr: class folders that are not the model's classes, with the count
        warn(class_mismatch(data, class_names, mapping, class_map if not isinstance(class_map, dict) else "(a dict)"))
    mode = "full-length" if full_length else "exit-only" if exit_only else "early-exit"

    run = run_forward(
        model, images, threshold=threshold, mode=mode, activations=activations, batch_size=batch_size,
        progress=progress, desc=f"extract {data.name}",
    )
    pred = run.prediction
    correct = pd.array([None if tgt is None else bool(p == tgt) for p, tgt in zip(pred, targets)], dtype="boolean")
    table = pd.DataFrame(
        {
            "stimulus": [str(i) for i in data.ids],
            "label": pd.Series(labels, dtype=object),
            "expected_steps": run.expected_steps,
            "exit_step": run.exit_step,
            "prediction": [class_names[int(p)] for p in pred],
            "correct": correct,
            "flops": run.flops,
            "sha256": stimulus_hashes(data),
        }
    )
    acts = run.activations() if activations else None
    attrs = {
        "model_name": getattr(model, "name", "unknown"),
        "model_checksum": getattr(model, "checksum", "unknown"),
        "exit_threshold": threshold,
        "mode": mode,
        "flops_per_step": json.dumps([int(f) for f in run.step_flops]),
        "flops_unit": FLOPS_UNIT,
        "source": source,
        "occlusion": float(occlusion),
        "occlusion_seed": int(seed),
        "class_map": "none" if class_map is None else (str(class_map) if not isinstance(class_map, dict) else "custom"),
        "stimulus_hash": HASH_FILES if data.sha256 is not None else HASH_PIXELS,
    }
    if data.skipped:  # every entry of the image folder not read: the count and the first ones
        from neurogrow.data.image_folder import SHOW_SKIPPED

        attrs["files_not_read"] = len(data.skipped)
        attrs["files_not_read_first"] = json.dumps(data.skipped[:SHOW_SKIPPED])
    return ExtractResult(
        table=table,
        step_probs=run.step_probs,
        halting=run.halting,
        class_names=class_names,
        activations=acts,
        attrs=attrs,
    )


def write_extract(
    result: ExtractResult, path: str | os.PathLike, overwrite: bool = False, command_line: str | None = None
) -> Path:
    """Write an :class:`ExtractResult` as a times file (schema in ``docs/hdf5_schema.md``).

    The ``flops`` column goes to ``/extra/flops``; the attributes become root attributes.
    Writing is atomic, and an existing file is refused unless ``overwrite``.

    Parameters
    ----------
    result
        Output of :func:`extract_times`.
    path
        Destination ``.h5`` file.
    overwrite
        Replace an existing file.
    command_line
        Recorded as the ``command_line`` attribute (default: this process's command line).

    Returns
    -------
    Path
        The file written.
    """
    attrs = dict(result.attrs)
    if command_line is not None:
        attrs["command_line"] = command_line
    return write_times(
        path,
        result.table,
        result.step_probs,
        result.halting,
        result.class_names,
        attrs=attrs,
        activations=result.activations,
        overwrite=overwrite,
    )
