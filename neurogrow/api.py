"""The Python API for the common jobs: classify images, extract halting times, compare with humans.

``neurogrow.classify``, ``neurogrow.extract``, ``neurogrow.compare_rt`` and ``neurogrow.compare_rsa``
are these functions. The last three are also what the ``neurogrow extract``, ``compare-rt`` and
``compare-rsa`` commands run: the commands parse their options and call them, so the Python
keywords are the command-line options (``--n-boot`` is ``n_boot=``) with the same defaults.

Importing :mod:`neurogrow` stays light: torch, pandas and the analysis modules are imported
inside the functions.

Longer than 400 lines because these docstrings are the API's reference (every keyword and
every returned column is described here); the code itself calls the job functions of
:mod:`neurogrow.inference`, :mod:`neurogrow.rt` and :mod:`neurogrow.rsa`.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from neurogrow.errors import NeurogrowError, worded_for_caller

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from neurogrow.inference.extract import ExtractResult
    from neurogrow.model.lattice import LatticeRCNN
    from neurogrow.rsa.analysis import Result as RSAResult
    from neurogrow.rt.analysis import Result as RTResult

__all__ = ["classify", "compare_rsa", "compare_rt", "extract"]

ModelLike = "str | os.PathLike | LatticeRCNN | None"
_F = TypeVar("_F", bound=Callable[..., Any])


def _api(fn: _F) -> _F:
    """An API function: its :class:`NeurogrowError` messages are worded for Python (``overwrite=True``)."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NeurogrowError as exc:
            raise worded_for_caller(exc) from exc.__cause__

    return call  # type: ignore[return-value]


def _paths(**paths) -> None:
    """Refuse a path argument that is not a str or os.PathLike (a list, a number); None is allowed."""
    from neurogrow.arguments import optional_path

    for name, value in paths.items():
        optional_path(value, name)


def _check_model(model) -> None:
    from neurogrow.model.lattice import LatticeRCNN

    if model is not None and not isinstance(model, (str, os.PathLike, LatticeRCNN)):
        raise NeurogrowError(f"model {model!r}: expected a shipped model name, a model file, a run directory or a loaded model")


#: Models loaded by name or path, kept for the next call (:func:`_model`): key (file, mtime, size).
_LOADED: dict[tuple[str, int, int], LatticeRCNN] = {}
#: How many loaded models are kept.
LOADED_MAX = 2


def _model(model) -> LatticeRCNN:
    """A loaded model: ``model`` itself, or :func:`neurogrow.load_model` of a name/path (None: the default).

    A model loaded by name or path is kept (the last :data:`LOADED_MAX`), so that a second
    ``classify`` or ``extract`` call with the same model does not read the file again; a file that
    has changed since (its modification time or size) is read again. ``_LOADED.clear()`` drops them.
    """
    from neurogrow.model.lattice import LatticeRCNN
    from neurogrow.progress import status
    from neurogrow.zoo import default_model, load_model, resolve_model_path

    if isinstance(model, LatticeRCNN):
        return model
    _, path = resolve_model_path(model or default_model())
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        status(f"loading model {model or 'default'}")
        while len(_LOADED) >= LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = load_model(model)
    return _LOADED[key]


# --------------------------------------------------------------------------- classify


def _one_image(item: Any, index: int, channels: int, size: int) -> tuple[str, Any]:
    """(stimulus name, uint8 (size, size, channels) array) for a path, PIL image or array."""
    import numpy as np
    from PIL import Image

    from neurogrow.data.images import pil_to_array, read_image
    from neurogrow.errors import DataError

    if isinstance(item, (str, os.PathLike)):
        path = Path(item).expanduser()
        if not path.is_file():
            raise DataError(f"{path}: no such image file; expected a PNG or JPEG file (or pass a PIL image or an array)")
        return str(item), read_image(path, channels, size)
    if isinstance(item, Image.Image):
        name = getattr(item, "filename", "") or f"image{index}"
        return str(name), pil_to_array(item, channels, size, str(name))
    arr = np.asarray(item)
    where = f"image {index} (an array of shape {arr.shape}, dtype {arr.dtype})"
    if arr.size == 0:
        raise DataError(f"{where}: no pixels; expected an image of at least 1 x 1 pixels")
    if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and arr.shape[-1] not in (1, 3, 4):
        raise DataError(f"{where}: channels first; expected height x width x channels (use arr.transpose(1, 2, 0))")
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        raise DataError(f"{where}: expected height x width (grey), height x width x 3 (RGB) or x 4 (RGBA)")
    if arr.dtype == np.uint8:
        pass
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all() or arr.min() < 0.0 or arr.max() > 1.0:
            raise DataError(f"{where}: float values outside [0, 1] or not finite; expected floats in [0, 1] or uint8 0-255")
        arr = np.round(arr * 255.0).astype(np.uint8)
    else:
        raise DataError(f"{where}: expected uint8 (0-255) or float (0-1) pixel values")
    return f"array{index}", pil_to_array(Image.fromarray(arr), channels, size, where)


def _expand(images) -> list:
    """A list of single images from one image, a list of them, a 4-D array batch or a folder."""
    import numpy as np
    from PIL import Image

    from neurogrow.data.image_folder import IMAGE_SUFFIXES, scan_folder, skipped_summary

    if isinstance(images, (str, os.PathLike)):
        p = Path(images).expanduser()
        if p.is_dir():
            files, skipped = scan_folder(p)
            from neurogrow.errors import DataError

            if not files:
                raise DataError(f"{p}: no image files found; expected {', '.join(IMAGE_SUFFIXES)} files")
            if skipped:
                from neurogrow.progress import status

                status(f"{p}: {skipped_summary(skipped)}")
            return files
        return [images]
    if isinstance(images, Image.Image):
        return [images]
    if hasattr(images, "shape") and hasattr(images, "dtype"):
        arr = np.asarray(images)
        return list(arr) if arr.ndim == 4 else [arr]
    if isinstance(images, Iterable):
        return list(images)
    return [images]


@_api
def classify(images, model=None, threshold: float = 0.5, batch_size: int = 256) -> pd.DataFrame:
    """Classify images with a model and report the time it spent on each.

    Parameters
    ----------
    images
        One image or several: a file path (PNG/JPEG), a folder (every image inside it,
        recursively, sorted), a PIL image, a NumPy array (height x width grey, x 3 RGB or x 4
        RGBA; uint8 0-255 or float 0-1; a 4-D array is a batch), or a list of these. Any size:
        each image is converted to the model's channels and resized to its input size
        (bilinear), as ``neurogrow extract --images`` does.
    model
        A shipped model name (``neurogrow models``), a model file or run directory, or a
        loaded model (:func:`neurogrow.load_model`); None: the default model. A model given by
        name or path is loaded once and kept for the next calls (the last two; read again if
        its file changes), so repeated calls cost only the images.
    threshold
        Cumulative halting probability that defines the exit step, in (0, 1].
    batch_size
        Images per forward pass.

    More than 32 images show progress on stderr (reading, then the forward pass), unless quiet.

    Returns
    -------
    pandas.DataFrame
        One row per image, in input order, with columns:

        ``stimulus``
            The path as given, a PIL image's ``filename`` (else ``image<i>``), or ``array<i>``.
        ``prediction``
            Class name answered at the exit step (the early-exit answer).
        ``probability``
            That class's probability at the exit step.
        ``expected_steps``
            E_pi[t] = sum_t t pi(t | x), the halting time (steps from 1).
        ``exit_step``
            First step where the cumulative halting probability reaches ``threshold``.
        ``mixture_prediction``
            Class of the halting-weighted mixture of the per-step outputs.
        ``halting_t<t>``
            pi(t | x) for t = 1..T.
        ``p_t<t>_<class>``
            Probability of each class at each step t = 1..T (T x K columns).

        ``df.attrs`` holds ``model`` (name), ``checksum``, ``threshold``, ``class_names`` and
        ``steps`` (T).

    Examples
    --------
    >>> import numpy as np, neurogrow
    >>> df = neurogrow.classify(np.zeros((64, 48, 3), dtype=np.uint8))
    >>> df.loc[0, ["stimulus", "exit_step"]].tolist()
    ['array0', 3]
    >>> list(df.columns[:6])
    ['stimulus', 'prediction', 'probability', 'expected_steps', 'exit_step', 'mixture_prediction']
    """
    import numpy as np
    import pandas as pd

    from neurogrow.arguments import integer
    from neurogrow.inference.forward import run_forward
    from neurogrow.model.halting import check_threshold

    threshold = check_threshold(threshold)
    batch_size = integer(batch_size, "batch_size", 1)
    _check_model(model)
    net = _model(model)
    cfg = net.config
    items = _expand(images)
    if not items:
        raise NeurogrowError("classify: no images given; expected a path, PIL image, array or a list of them")
    from neurogrow.progress import progress

    names, arrays = [], []
    shown = len(items) > 32
    for i, item in enumerate(progress(items, desc="classify: reading images", unit="img", disable=not shown)):
        name, arr = _one_image(item, i, cfg.in_channels, cfg.image_size)
        names.append(name)
        arrays.append(arr)
    batch = np.stack(arrays)
    classes = list(net.class_names)
    T = net.steps
    run = run_forward(
        net, batch, threshold=threshold, mode="full-length", batch_size=int(batch_size),
        progress=shown, desc="classify",
    )
    probs = run.step_probs  # (N, T, K)
    halting = run.halting
    exit_step = run.exit_step
    pred = run.prediction
    rows = np.arange(len(pred))
    mixture = run.mixture_probs
    cols: dict[str, Any] = {
        "stimulus": names,
        "prediction": [classes[int(p)] for p in pred],
        "probability": probs[rows, exit_step - 1, pred].astype(float),
        "expected_steps": run.expected_steps,
        "exit_step": exit_step,
        "mixture_prediction": [classes[int(p)] for p in mixture.argmax(axis=1)],
    }
    for t in range(T):
        cols[f"halting_t{t + 1}"] = halting[:, t].astype(float)
    for t in range(T):
        for k, c in enumerate(classes):
            cols[f"p_t{t + 1}_{c}"] = probs[:, t, k].astype(float)
    df = pd.DataFrame(cols)
    df.attrs.update(
        model=getattr(net, "name", "unknown"), checksum=getattr(net, "checksum", "unknown"),
        threshold=threshold, class_names=classes, steps=T,
    )
    return df


# --------------------------------------------------------------------------- extract


@_api
def extract(
    model=None,
    images: str | os.PathLike | None = None,
    dataset: str | None = None,
    out: str | os.PathLike | None = None,
    *,
    data_root: str | os.PathLike | None = None,
    split: str = "test",
    occlusion: float = 0.0,
    seed: int = 0,
    threshold: float = 0.5,
    full_length: bool = False,
    exit_only: bool = False,
    activations: bool = False,
    class_map: str | os.PathLike | dict | None = None,
    batch_size: int = 256,
    overwrite: bool = False,
) -> ExtractResult:
    """``neurogrow extract`` from Python: a model's halting time on every image of a folder or dataset.

    Parameters
    ----------
    model
        Shipped model name, model file, run directory or loaded model (None: the default model).
    images
        Folder ``DIR/<class>/<image>`` (class = folder name) or a flat folder of images, resized
        to the model's input (``--images``). Exactly one of ``images`` and ``dataset``.
    dataset
        A dataset name, e.g. ``"cifar10"`` (``--dataset``); stimuli are its indices.
    out
        Write the times file here (HDF5, ``docs/hdf5_schema.md``); None: write nothing.
    data_root, split, occlusion, seed, threshold, full_length, exit_only, activations, class_map, batch_size
        As the command-line options of the same names (``neurogrow extract --help``):
        data root for ``dataset`` (default ``$NEUROGROW_DATA``, else the platform cache folder); split
        (``"test"``); fraction of each image occluded, in [0, 1); occlusion seed; exit
        threshold (0.5); run every image to T (baseline); stop each image at its exit;
        also keep every layer's pooled activations at every step; label-to-class map for
        ``correct`` (``"geirhos16"``, a CSV ``folder,class`` or a dict); images per pass.
    overwrite
        Replace an existing ``out``.

    Returns
    -------
    neurogrow.inference.extract.ExtractResult
        Fields: ``table`` (DataFrame, one row per stimulus: ``stimulus``, ``label``,
        ``expected_steps``, ``exit_step``, ``prediction``, ``correct``, ``flops``),
        ``step_probs`` (N, T, K), ``halting`` (N, T), ``class_names``, ``activations``
        (``{"layer<l>-t<t>": (N, C_l)}`` or None) and ``attrs`` (metadata stored in the file).
    """
    from neurogrow import arguments
    from neurogrow.arguments import flag
    from neurogrow.inference.extract import extract_times, write_extract
    from neurogrow.model.halting import check_threshold

    arguments.seed(seed)  # the arguments before the model is loaded: one line at once
    arguments.integer(batch_size, "--batch-size", 1)
    arguments.number(occlusion, "--occlusion", 0.0, 1.0)
    check_threshold(threshold, "--threshold")
    _check_model(model)
    _paths(images=images, out=out, data_root=data_root)
    flag(overwrite, "overwrite")
    if dataset is not None and not isinstance(dataset, str):
        raise NeurogrowError(f"dataset {dataset!r}: expected a dataset name such as 'cifar10'")
    if out is not None:
        check_extract_out(out, model, images, dataset, data_root, class_map)
        path = Path(out)
        if path.is_dir():
            raise NeurogrowError(f"{path}: is a folder; expected a .h5 file path for --out")
        if path.exists() and not overwrite:
            raise NeurogrowError(f"{path}: already exists; pass --overwrite to replace it")
    net = _model(model)
    result = extract_times(
        net,
        images_dir=images,
        dataset=dataset,
        data_root=data_root,
        split=split,
        occlusion=occlusion,
        seed=seed,
        threshold=threshold,
        full_length=full_length,
        exit_only=exit_only,
        activations=activations,
        batch_size=batch_size,
        class_map=class_map,
        progress=True,
    )
    if out is not None:
        write_extract(result, out, overwrite=overwrite)
    return result


def check_extract_out(out, model, images, dataset, data_root, class_map) -> None:
    """Refuse an ``out`` that is, contains or lies inside an input of extract (:func:`neurogrow.overlap.refuse_overlap`)."""
    from neurogrow.overlap import model_input, refuse_overlap

    root = data_root
    if dataset is not None and root is None:
        from neurogrow.data.paths import default_data_root
        from neurogrow.errors import NeurogrowError

        try:
            root = default_data_root()
        except NeurogrowError:
            root = None
    refuse_overlap(out, [
        ("stimulus folder", images), ("data root", root if dataset is not None else None),
        ("model file", model_input(model)), ("class map", class_map if isinstance(class_map, (str, os.PathLike)) and Path(class_map).exists() else None),
    ])


# --------------------------------------------------------------------------- compare-rt


@_api
def compare_rt(
    model_times: str | os.PathLike | ExtractResult | pd.DataFrame,
    human: str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    measure: str | None = None,
    correct_only: bool = False,
    model_time: str = "expected_steps",
    n_boot: int = 1000,
    n_splits: int = 100,
    n_perm: int = 10000,
    seed: int = 0,
    labels: str | os.PathLike | None = None,
    allow_unmatched: bool = False,
    mixed_model: bool = True,
    stimuli: str | os.PathLike | None = None,
    baseline: str | Iterable[str] = (),
    rt_unit: str | None = None,
    rt_max: float | None = None,
    rt_min: float | None = None,
    columns: str | dict | None = None,
    overwrite: bool = False,
) -> RTResult:
    """``neurogrow compare-rt`` from Python: model halting times against human reaction times per image.

    Parameters
    ----------
    model_times
        An extract HDF5 file, a CSV ``stimulus,model_time``, the result of :func:`extract`, or a
        DataFrame with ``stimulus`` and ``model_time`` (or the column named by ``model_time``).
    human
        Folder of Geirhos et al. (2019) trial CSVs, a long CSV ``subject,stimulus,rt[,correct,category]``,
        a CIFAR-10H per-trial CSV, or CIFAR-10H counts ``.npy`` (a long CSV with other column names: ``columns``).
    out
        Output folder (``summary.json``, ``per_image.csv``, ``report.md``, ``scatter.png``,
        ``per_category.png``); None: write nothing.
    measure, correct_only, model_time, n_boot, n_splits, n_perm, seed, labels, allow_unmatched
        As the options of ``neurogrow compare-rt --help``: per-image human measure
        (``mean_log_rt``, ``median_rt``, ``accuracy``, ``entropy``; default mean_log_rt, or
        entropy for counts); correct trials only; ``expected_steps`` or ``exit_step``;
        bootstrap samples; split-halves of the noise ceiling; permutations; seed; CIFAR-10H
        true labels; analyse only the stimuli common to both inputs.
    mixed_model
        Fit the per-trial mixed model (``--no-mixed-model`` is ``False``).
    stimuli
        The human experiment's images (a folder) or a manifest CSV ``stimulus,sha256``
        (``--stimuli``): proves, by SHA-256, that the model saw the same images (default: the
        Geirhos layout beside a ``raw-data/<experiment>`` folder; else matched by name only).
    baseline
        ``FILE[:COLUMN]`` (or a list of them): another model's times to compare E[t] with
        (``--baseline``, repeatable).
    rt_unit, rt_max, rt_min
        ``--rt-unit`` (``s`` or ``ms``; default: the format's documented unit), ``--rt-max`` and
        ``--rt-min`` (exclude trials slower / faster than this many seconds, counted in
        ``summary["rt_checks"]``); the RT plausibility rules of :mod:`neurogrow.human.validate`.
    columns
        A long-format trial CSV with its own column names (``--columns``): for each of ``subject``,
        ``stimulus``, ``rt`` (and optional ``correct``, ``category``, ``response``) the file's column,
        e.g. ``columns={"subject": "participant", "stimulus": "image", "rt": "reaction_time"}``.
    overwrite
        Replace a non-empty ``out``.

    Returns
    -------
    neurogrow.rt.analysis.Result
        Fields: ``summary`` (dict: what ``summary.json`` holds; e.g. ``summary["spearman"]["r"]``,
        ``["ci95"]``, ``["p_permutation"]``, ``summary["noise_ceiling"]``, ``summary["within_category"]``,
        ``summary["mixed_model"]``), ``per_image`` (DataFrame, one row per matched stimulus:
        ``stimulus``, ``model_time``, ``human_measure``, ``category``, residuals...),
        ``per_category`` (DataFrame or None) and ``timings`` (seconds per stage).
    """
    from neurogrow.arguments import flag
    from neurogrow.rt.model_times import model_times_frame, times_from_extract
    from neurogrow.rt.pipeline import compare_rt as _run

    if human is None:
        raise NeurogrowError("human None: expected human data (a Geirhos trial folder, a long CSV or CIFAR-10H data)")
    _paths(human=human, out=out, labels=labels, stimuli=stimuli)
    flag(overwrite, "overwrite")

    options = rt_options(
        measure=measure, correct_only=correct_only, n_boot=n_boot, n_splits=n_splits, n_perm=n_perm,
        seed=seed, model_time=model_time, allow_unmatched=allow_unmatched, mixed_model=mixed_model,
        stimuli=stimuli, baseline=baseline, rt_unit=rt_unit, rt_max=rt_max, rt_min=rt_min,
    )
    if isinstance(model_times, (str, os.PathLike)):
        return _run(model_times, human, out, options, overwrite=overwrite, labels=labels, columns=columns)
    if hasattr(model_times, "step_probs") and hasattr(model_times, "table"):  # an ExtractResult
        times = times_from_extract(model_times)
    else:
        times = _times_table(model_times)
    times = model_times_frame(times, model_time, "model_times")  # checked here: one-line errors before any work
    return _run(times, human, out, options, overwrite=overwrite, labels=labels, columns=columns)


def rt_options(*, stimuli: str | os.PathLike | None = None, baseline: str | Iterable[str] = (), **fields):
    """The :class:`neurogrow.rt.Options` of :func:`compare_rt`'s keyword arguments (the CLI's options):
    ``stimuli`` as a string, ``baseline`` (one or several ``FILE[:COLUMN]``) as ``baselines``."""
    from neurogrow.errors import NeurogrowError
    from neurogrow.rt import Options

    if isinstance(baseline, (str, os.PathLike)):
        baseline = (baseline,)
    if isinstance(baseline, (bytes, dict)) or not isinstance(baseline, Iterable) or not all(
        isinstance(b, (str, os.PathLike)) for b in baseline
    ):
        raise NeurogrowError(f"baseline={baseline!r}: expected a path 'FILE[:COLUMN]' or a list of them")
    if stimuli is not None and not isinstance(stimuli, (str, os.PathLike)):
        raise NeurogrowError(f"stimuli={stimuli!r}: expected a path to the stimulus folder")
    return Options(stimuli=None if stimuli is None else str(stimuli), baselines=tuple(str(b) for b in baseline), **fields)


def _times_table(model_times):
    """A DataFrame passed as ``model_times`` (anything else is refused)."""
    import pandas as pd

    from neurogrow.errors import DataError

    if not isinstance(model_times, pd.DataFrame):
        raise DataError(
            f"model_times: got {type(model_times).__name__}; expected a path, an ExtractResult or a DataFrame"
        )
    return model_times


# --------------------------------------------------------------------------- compare-rsa


@_api
def compare_rsa(
    model_or_h5="blt-cifar10-adaptive",
    human: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    *,
    images: str | os.PathLike | None = None,
    labels: str | os.PathLike | None = None,
    data_root: str | os.PathLike | None = None,
    per_class: int = 100,
    comparators: str | Iterable[str] = ("spearman", "cosine_cov", "corr_cov"),
    distance: str = "correlation",
    n_boot: int = 1000,
    n_splits: int = 10,
    min_per_class: int = 5,
    threshold: float = 0.5,
    batch_size: int = 256,
    seed: int = 0,
    stimuli: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> RSAResult:
    """``neurogrow compare-rsa`` from Python: model RDMs per layer x step against human confusion RDMs.

    Parameters
    ----------
    model_or_h5
        An extract HDF5 file with activations (``extract(..., activations=True, out=...)``), or a
        model: shipped name, model file or run directory.
    human
        Folder of Geirhos et al. (2019) trial CSVs, or CIFAR-10H counts ``.npy``.
    out
        Output folder (``summary.json``, ``report.md``, ``heatmap_<comparator>.png``, RDM files);
        None: write nothing.
    images, labels, data_root, per_class, comparators, distance, n_boot, n_splits, min_per_class, threshold, batch_size, seed
        As the options of ``neurogrow compare-rsa --help`` (``comparators`` a list or a
        comma-separated string).
    stimuli
        The human experiment's images (a folder) or a manifest CSV ``stimulus,sha256`` to check
        the model's stimuli against (``--stimuli``; default: the Geirhos layout beside the
        trial folder).
    overwrite
        Replace a non-empty ``out``.

    Returns
    -------
    neurogrow.rsa.analysis.Result
        Fields: ``summary`` (dict: what ``summary.json`` holds, e.g. ``summary["best"]``),
        ``model_rdms`` (rsatoolbox ``RDMs``, one per layer x step plus exit-step and confusion
        RDMs), ``human`` (the human RDMs: per subject/split and pooled) and ``evaluations``
        (comparator -> per-RDM similarities, bootstrap CIs and noise ceiling).
    """
    from neurogrow.arguments import flag
    from neurogrow.rsa.analysis import Options
    from neurogrow.rsa.analysis import compare_rsa as _run

    if human is None:
        raise NeurogrowError("compare_rsa: expected human data (a Geirhos trial folder or CIFAR-10H counts .npy)")
    _paths(model_or_h5=model_or_h5, human=human, out=out, images=images, labels=labels, data_root=data_root, stimuli=stimuli)
    flag(overwrite, "overwrite")
    if isinstance(comparators, str):
        comparators = tuple(c.strip() for c in comparators.split(",") if c.strip())
    comparators = tuple(comparators)
    if not comparators:
        raise NeurogrowError("--comparators: expected a comma-separated list, e.g. spearman,cosine_cov")
    from neurogrow.progress import status

    status("compare-rsa: reading the human data, then the model's activations (running the model if given one)")
    options = Options(
        comparators=comparators, distance=distance, n_boot=n_boot, seed=seed, n_splits=n_splits,
        per_class=per_class, min_per_class=min_per_class, threshold=threshold, batch_size=batch_size,
    )
    return _run(
        str(model_or_h5), human, out, options, overwrite=overwrite, images=images, labels=labels, data_root=data_root, stimuli=stimuli,
    )
