"""Model RDMs over classes: class-averaged activation patterns per layer x step, and model confusions.

The model's pooled activations (``features[t][l]``, one (N, C_l) array per layer and step of the
active window) come either from running the model on images (:func:`patterns_from_model`) or from
an extract HDF5 file written with ``--activations`` (:func:`patterns_from_h5`).  From them,
rsatoolbox computes (:func:`pattern_rdms`):

- for every layer l and step t, the RDM of the class-averaged patterns (``calc_rdm`` with
  ``descriptor="class"`` averages the stimuli of each class, then takes the correlation or Euclidean
  distance between class means);
- for every layer, the same at each image's **halting step** (column ``halt``): image i contributes
  its activations at its own exit step, the first step at which the cumulative halting probability
  reaches the exit threshold.

:func:`model_confusion_rdms` gives the model's own confusion RDM per step (and at the exit step),
with the same dissimilarity as the human confusion RDMs; it needs the stimuli's classes to be the
model's output classes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from neurogrow.errors import DataError
from neurogrow.rsa.confusion import confusion_counts, confusion_rdms

__all__ = [
    "DISTANCES",
    "HALT",
    "ModelPatterns",
    "halting_patterns",
    "join_rdms",
    "model_confusion_rdms",
    "pattern_rdms",
    "patterns_from_h5",
    "patterns_from_model",
]

#: Distances between class-mean patterns (rsatoolbox ``calc_rdm`` methods).
DISTANCES = ("correlation", "euclidean")
#: The ``step`` descriptor of RDMs taken at each image's exit step.
HALT = "halt"


@dataclass
class ModelPatterns:
    """A model's pooled activations, exit steps and per-step predictions on N stimuli.

    Attributes
    ----------
    stimuli
        N stimulus keys (image ids or file paths).
    activations
        ``{(layer, step): (N, C) array}`` for every layer name and step 1..T.
    layers
        Layer names in depth order (``layer1``, ``layer2``, ...).
    steps
        T, the number of steps.
    exit_step
        (N,) each image's exit step (1..T).
    predictions
        (N, T) predicted class index (into :attr:`class_names`) at each step.
    class_names
        The model's K output classes.
    model_name, model_checksum
        Provenance.
    exit_threshold
        The cumulative halting probability that defines :attr:`exit_step`.
    """

    stimuli: list[str]
    activations: dict[tuple[str, int], np.ndarray]
    layers: list[str]
    steps: int
    exit_step: np.ndarray
    predictions: np.ndarray
    class_names: list[str]
    model_name: str = "unknown"
    model_checksum: str = "unknown"
    exit_threshold: float = 0.5

    @property
    def n_stimuli(self) -> int:
        return len(self.stimuli)

    def subset(self, idx: np.ndarray) -> ModelPatterns:
        """The patterns of the stimuli at ``idx``."""
        idx = np.asarray(idx)
        return ModelPatterns(
            stimuli=[self.stimuli[i] for i in idx],
            activations={k: v[idx] for k, v in self.activations.items()},
            layers=self.layers,
            steps=self.steps,
            exit_step=self.exit_step[idx],
            predictions=self.predictions[idx],
            class_names=self.class_names,
            model_name=self.model_name,
            model_checksum=self.model_checksum,
            exit_threshold=self.exit_threshold,
        )


def layer_name(index: int) -> str:
    """Name of layer ``index`` (from 0): ``layer1``, ``layer2``, ... (as ``neurogrow extract`` writes them)."""
    return f"layer{index + 1}"


def patterns_from_model(
    model,
    images: np.ndarray,
    stimuli: list[str],
    batch_size: int = 256,
    threshold: float = 0.5,
    progress: bool | None = None,
) -> ModelPatterns:
    """Run ``model`` on uint8 images and keep every layer's pooled activations at every step.

    Parameters
    ----------
    model : neurogrow.model.LatticeRCNN
        In eval mode.
    images : np.ndarray
        (N, H, W, C) uint8 images at the model's input size.
    stimuli : list of str
        N stimulus keys.
    batch_size : int
        Images per forward pass.
    threshold : float
        Cumulative halting probability of the exit step.
    progress : bool, optional
        Progress (:mod:`neurogrow.progress`; False: none).

    Returns
    -------
    ModelPatterns
    """
    from neurogrow.inference.forward import run_forward

    run = run_forward(
        model, images, threshold=threshold, mode="full-length", activations=True, batch_size=batch_size,
        progress=progress, desc="compare-rsa model activations",
    )
    assert run.features is not None  # activations=True
    activations = {
        (layer_name(layer), t + 1): f for t, per_layer in enumerate(run.features) for layer, f in enumerate(per_layer)
    }
    return ModelPatterns(
        stimuli=list(stimuli),
        activations=activations,
        layers=[layer_name(layer) for layer in range(model.num_layers)],
        steps=int(model.steps),
        exit_step=run.exit_step,
        predictions=run.step_logits.argmax(axis=-1).astype(np.int64),
        class_names=list(model.class_names),
        model_name=str(getattr(model, "name", "unknown")),
        model_checksum=str(getattr(model, "checksum", "unknown")),
        exit_threshold=float(threshold),
    )


def _layer_order(name: str):
    m = re.match(r"^(.*?)(\d+)$", name)
    return (m.group(1), int(m.group(2))) if m else (name, -1)


def patterns_from_h5(path) -> ModelPatterns:
    """Read the activations, exit steps and per-step predictions of an extract HDF5 file.

    Parameters
    ----------
    path : str or Path
        A times file written by ``neurogrow extract --activations`` (``docs/hdf5_schema.md``).

    Returns
    -------
    ModelPatterns

    Raises
    ------
    DataError
        If the file has no activations, not every layer has every step 1..T, or some are NaN
        (``--exit-only`` files).
    """
    from neurogrow.io import load_times_file, parse_activation_name

    times = load_times_file(path, activations=True)  # one open, the whole file checked
    acts, table, probs, class_names, attrs = times.activations or {}, times.table, times.probs, times.class_names, times.attrs
    assert probs is not None
    n, t_steps = probs.shape[0], probs.shape[1]
    activations = {}
    for name, arr in acts.items():
        layer, step = parse_activation_name(name)
        if arr.shape[0] != n:
            raise DataError(f"{path}: activations/{name} has {arr.shape[0]} rows; expected {n} (one per stimulus)")
        n_nan = int(np.isnan(arr).any(axis=1).sum())
        if n_nan:
            raise DataError(
                f"{path}: activations/{name} are NaN for {n_nan} stimuli (a file written with --exit-only); "
                "expected every layer at every step: re-run neurogrow extract --activations without --exit-only"
            )
        activations[(layer, step)] = np.asarray(arr, dtype=np.float64)
    layers = sorted({k[0] for k in activations}, key=_layer_order)
    for layer in layers:
        missing = [s for s in range(1, t_steps + 1) if (layer, s) not in activations]
        if missing:
            raise DataError(
                f"{path}: activations of {layer} lack step(s) {', '.join(map(str, missing))}; expected "
                f"{layer}-t1 .. {layer}-t{t_steps} (the file has {t_steps} steps)"
            )
    return ModelPatterns(
        stimuli=list(table["stimulus"]),
        activations=activations,
        layers=layers,
        steps=t_steps,
        exit_step=table["exit_step"].to_numpy(np.int64),
        predictions=probs.argmax(axis=-1).astype(np.int64),
        class_names=list(class_names),
        model_name=str(attrs.get("model_name", "unknown")),
        model_checksum=str(attrs.get("model_checksum", "unknown")),
        exit_threshold=float(attrs.get("exit_threshold", 0.5)),
    )


def halting_patterns(patterns: ModelPatterns, layer: str) -> np.ndarray:
    """(N, C) activations of ``layer`` with each image taken at its own exit step."""
    stack = np.stack([patterns.activations[(layer, t)] for t in range(1, patterns.steps + 1)])  # (T, N, C)
    return stack[patterns.exit_step - 1, np.arange(patterns.n_stimuli)]


def pattern_rdms(patterns: ModelPatterns, classes: list[str], distance: str = "correlation"):
    """RDMs of class-averaged activation patterns for every layer x step, and at each image's exit step.

    Parameters
    ----------
    patterns : ModelPatterns
        Activations of N stimuli.
    classes : list of str
        N class labels (the RDMs' conditions, e.g. CIFAR-10 classes or Geirhos categories).
    distance : {"correlation", "euclidean"}
        rsatoolbox ``calc_rdm`` method between class means (``euclidean`` is rsatoolbox's squared
        Euclidean distance divided by the number of channels).

    Returns
    -------
    rsatoolbox.rdm.RDMs
        L x (T + 1) RDMs, rdm descriptors ``layer``, ``step`` (``"1"`` .. ``"T"``, ``"halt"``),
        ``kind = "pattern"`` and ``name`` (``layer2-t3``, ``layer2-halt``); pattern descriptor
        ``class`` (sorted).
    """
    from rsatoolbox.data import Dataset
    from rsatoolbox.rdm import calc_rdm, concat

    if distance not in DISTANCES:
        raise DataError(f"--distance {distance}: expected one of {', '.join(DISTANCES)}")
    obs = {"class": np.asarray(classes, dtype=object).astype(str), "stimulus": np.asarray(patterns.stimuli, dtype=str)}
    out = []
    for layer in patterns.layers:
        columns = [(str(t), patterns.activations[(layer, t)]) for t in range(1, patterns.steps + 1)]
        columns.append((HALT, halting_patterns(patterns, layer)))
        for step, x in columns:
            name = f"{layer}-{HALT}" if step == HALT else f"{layer}-t{step}"
            ds = Dataset(np.asarray(x, dtype=np.float64), obs_descriptors=obs)
            rdm = calc_rdm(ds, method=distance, descriptor="class")
            if not np.isfinite(rdm.dissimilarities).all():
                raise DataError(
                    f"{name}: a class-mean pattern is constant, so its {distance} distance is undefined; "
                    "use --distance euclidean"
                )
            rdm.rdm_descriptors.update({"layer": [layer], "step": [step], "kind": ["pattern"], "name": [name]})
            out.append(rdm)
    return concat(out)  # type: ignore[arg-type]  # rsatoolbox concatenates a list of RDMs too


def model_confusion_rdms(patterns: ModelPatterns, classes: list[str]):
    """The model's confusion RDM at every step and at each image's exit step.

    Parameters
    ----------
    patterns : ModelPatterns
        Predictions of N stimuli.
    classes : list of str
        N true classes, each one of the model's output classes (every output class needs stimuli).

    Returns
    -------
    rsatoolbox.rdm.RDMs
        T + 1 RDMs (``1 - (P + P.T) / 2`` of the row-normalised confusions), rdm descriptors
        ``layer = "confusion"``, ``step``, ``kind = "confusion"``, ``name`` (``confusion-t3``,
        ``confusion-halt``).
    """
    index = {c: i for i, c in enumerate(patterns.class_names)}
    unknown = sorted(set(classes) - set(index))
    if unknown:
        raise DataError(
            f"class {unknown[0]!r} is not one of the model's output classes ({', '.join(patterns.class_names)}); "
            "a model confusion RDM needs stimuli of the model's classes"
        )
    true = np.array([index[c] for c in classes])
    k = len(patterns.class_names)
    at_exit = patterns.predictions[np.arange(patterns.n_stimuli), patterns.exit_step - 1]
    columns = [(str(t), patterns.predictions[:, t - 1]) for t in range(1, patterns.steps + 1)] + [(HALT, at_exit)]
    counts = np.stack([confusion_counts(true, pred, k) for _, pred in columns])
    steps = [s for s, _ in columns]
    names = [f"confusion-{HALT}" if s == HALT else f"confusion-t{s}" for s in steps]
    return confusion_rdms(
        counts,
        patterns.class_names,
        {"layer": ["confusion"] * len(steps), "step": steps, "kind": ["confusion"] * len(steps), "name": names},
        [f"model confusions, {n}" for n in names],
    )


def join_rdms(*parts):
    """One RDMs object from several with the same classes but different dissimilarity measures.

    rsatoolbox's ``concat`` requires one measure; here each RDM keeps its measure in the rdm
    descriptor ``measure`` and the joint object's ``dissimilarity_measure`` names them all.
    """
    from rsatoolbox.rdm import RDMs

    classes = [str(c) for c in parts[0].pattern_descriptors["class"]]
    for p in parts[1:]:
        if [str(c) for c in p.pattern_descriptors["class"]] != classes:
            raise DataError("join_rdms: the RDMs have different classes; expected the same classes in the same order")
    keys = [k for k in parts[0].rdm_descriptors if k != "index" and all(k in p.rdm_descriptors for p in parts)]
    desc = {k: [v for p in parts for v in np.asarray(p.rdm_descriptors[k]).tolist()] for k in keys}
    desc["measure"] = [str(p.dissimilarity_measure) for p in parts for _ in range(p.n_rdm)]
    return RDMs(
        np.concatenate([p.dissimilarities for p in parts]),
        dissimilarity_measure=", ".join(dict.fromkeys(str(p.dissimilarity_measure) for p in parts)),
        rdm_descriptors=desc,
        pattern_descriptors={"class": classes},
    )
