"""A neurogrow lattice RCNN as a Brain-Score ``BrainModel``.

Brain-Score's ``ModelCommitment`` cannot wrap these models: its label behaviour requires a
1,000-way ImageNet head, its default preprocessing goes through torchvision, and without a
region-to-layer map it selects layers by scoring public benchmarks (a download). So
:class:`NeurogrowBrainModel` implements the ``BrainModel`` interface itself, with these
commitments (documented in ``docs/brainscore.md``):

- **Input.** Each stimulus file is read with PIL and converted by :mod:`neurogrow.data.images`
  (EXIF rotation, 16-bit, palette, CMYK, transparency on white) to RGB (greyscale for one-channel
  models), resized to the model's ``image_size`` (32 x 32 for the shipped models, bilinear) and
  normalised as in training (:func:`neurogrow.model.inputs.to_input`). The model's input spans
  :data:`VISUAL_DEGREES` degrees.
- **Regions.** An explicit region-to-layer map (:func:`region_layer_map`): V1, V2, V4 and IT are
  spread evenly over the layers, bottom to top (four layers: V1 -> layer1, V2 -> layer2,
  V4 -> layer3, IT -> layer4). A recording is the global-average-pooled state of the layer,
  one neuroid per channel.
- **Time.** One time bin per recurrent step (:mod:`neurogrow.brainscore.timing`); requested bins
  are aligned to the step bins. The recordings behind each requested bin are named per layer
  and step (``layer4-t1`` ... ``layer4-t4``, steps counted from 1) in the assembly's
  ``recordings`` attribute.
- **Behaviour.** The model's class probabilities are the halting mixture
  ``sum_t pi(t|x) softmax(y(t))``. ``label`` answers among the choice labels that name a class
  the model knows (:mod:`neurogrow.brainscore.labels`); ``probabilities`` without fitting
  stimuli returns these class probabilities, and with fitting stimuli (a ``StimulusSet`` with an
  ``image_label`` column, Brain-Score's contract) fits a logistic-regression readout of the IT
  layer at the last step to those labels. ``label`` with ``'imagenet'`` (the 1,000 ImageNet
  synsets) is declined with :class:`~neurogrow.brainscore.labels.UnsupportedLabels`, a
  ``NotImplementedError`` (what ``BrainModel`` raises for what a model does not implement): the
  benchmark records a failure with that one-line reason.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly, NeuroidAssembly
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
from brainscore_vision.model_interface import BrainModel

from neurogrow.brainscore.labels import choice_classes, choice_names
from neurogrow.brainscore.timing import alignment_weights, check_time_bins, step_time_bins
from neurogrow.data.images import read_image
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.inference.forward import run_forward
from neurogrow.io import activation_name

__all__ = [
    "REGIONS",
    "VISUAL_DEGREES",
    "NeurogrowBrainModel",
    "layer_names",
    "load_images",
    "region_layer_map",
]

#: Recording targets, bottom to top.
REGIONS = ("V1", "V2", "V4", "IT")
#: Degrees of visual angle spanned by the model's input: the size at which Geirhos et al.
#: presented their objects (and at which Brain-Score's Geirhos benchmarks place them).
VISUAL_DEGREES = 3
_MODES = {1: "L", 3: "RGB"}


def layer_names(num_layers: int) -> list[str]:
    """``layer1`` ... ``layerL``: the names of a model's layers, bottom first."""
    return [f"layer{layer_index + 1}" for layer_index in range(num_layers)]


def region_layer_map(num_layers: int) -> dict[str, str]:
    """Region -> layer name: V1, V2, V4, IT spread evenly over the layers, bottom to top.

    Region r (0..3) gets layer ``round(1 + r (L - 1) / 3)``: with 4 layers V1 -> layer1,
    V2 -> layer2, V4 -> layer3, IT -> layer4; with 2 layers V1, V2 -> layer1 and V4, IT -> layer2.
    """
    if num_layers < 1:
        raise NeurogrowError(f"region_layer_map: a model with {num_layers} layers; expected at least one")
    names = layer_names(num_layers)
    scale = (num_layers - 1) / (len(REGIONS) - 1)
    return {region: names[int(np.floor(r * scale + 0.5))] for r, region in enumerate(REGIONS)}


def _stimulus_paths(stimuli) -> tuple[list[Path], dict]:
    """Files of ``stimuli`` (a StimulusSet or a list of paths) and the presentation coordinates."""
    if isinstance(stimuli, StimulusSet):
        if "stimulus_id" not in stimuli.columns:
            raise DataError(f"stimulus set {getattr(stimuli, 'identifier', None)!r}: no stimulus_id column")
        ids = stimuli["stimulus_id"].tolist()
        paths = []
        for sid in ids:
            try:
                paths.append(Path(stimuli.get_stimulus(sid)))
            except (KeyError, AttributeError, TypeError):
                raise DataError(
                    f"stimulus set {getattr(stimuli, 'identifier', None)!r}: no file for stimulus_id {sid!r} "
                    "in its stimulus_paths"
                ) from None
        coords = {col: ("presentation", stimuli[col].to_numpy()) for col in stimuli.columns}
        coords.setdefault("stimulus_path", ("presentation", np.array([str(p) for p in paths], dtype=object)))
        return paths, coords
    if isinstance(stimuli, (str, Path)):
        raise DataError(f"stimuli {str(stimuli)!r}: expected a StimulusSet or a list of image paths, not one path")
    paths = [Path(p) for p in stimuli]
    names = np.array([str(p) for p in paths], dtype=object)
    return paths, {"stimulus_id": ("presentation", names), "stimulus_path": ("presentation", names.copy())}


def load_images(paths: list[Path], image_size: int, channels: int) -> np.ndarray:
    """uint8 (N, H, W, C) images resized to ``image_size`` (bilinear); a one-line error per bad file."""
    if channels not in _MODES:
        raise NeurogrowError(f"a model with {channels} input channels; expected 1 or 3")
    out = np.empty((len(paths), image_size, image_size, channels), dtype=np.uint8)
    for i, path in enumerate(paths):
        if not path.is_file():
            raise DataError(f"{path}: stimulus file not found; every stimulus of the stimulus set must exist")
        out[i] = read_image(path, channels, image_size)  # the one image conversion (neurogrow.data.images)
    return out


class NeurogrowBrainModel(BrainModel):
    """A trained lattice RCNN committed to regions, time bins and behavioural tasks.

    Parameters
    ----------
    model
        A :class:`neurogrow.model.lattice.LatticeRCNN` (e.g. from :func:`neurogrow.load_model`).
    identifier
        The Brain-Score identifier, e.g. ``neurogrow-blt-cifar10-adaptive``.
    batch_size
        Images per forward pass.
    """

    #: Tasks :meth:`start_task` accepts.
    supported_tasks = (BrainModel.Task.passive, BrainModel.Task.label, BrainModel.Task.probabilities)

    def __init__(self, model, identifier: str, batch_size: int = 64) -> None:
        self.model = model.eval()
        self._identifier = identifier
        self.batch_size = int(batch_size)
        self.layers = layer_names(model.num_layers)
        self.region_layer_map = region_layer_map(model.num_layers)
        self.step_time_bins = step_time_bins(model.steps)
        self._task = BrainModel.Task.passive
        self._choice_classes: list[int | None] | None = None
        self._choice_labels: list[str] | None = None
        self._readout: _Readout | None = None
        self._region: str | None = None
        self._time_bins: list[tuple[float, float]] | None = None

    @property
    def identifier(self) -> str:
        return self._identifier

    def visual_degrees(self) -> int:
        return VISUAL_DEGREES

    # The torch modules behind the model, for Brain-Score's metadata generator (parameter and
    # layer counts), which reads ``modules()`` and ``parameters()`` of the model it loads.
    def modules(self):
        """The torch modules of the underlying network."""
        return self.model.modules()

    def parameters(self):
        """The torch parameters of the underlying network."""
        return self.model.parameters()

    # ------------------------------------------------------------------ commitments
    def recording_names(self, region: str) -> list[str]:
        """Names of the recordings of ``region``, one per step: ``layer4-t1`` ... (steps from 1)."""
        layer = self._layer_of(region)
        return [activation_name(layer, t + 1) for t in range(self.model.steps)]

    def _layer_of(self, region: str) -> str:
        if region not in self.region_layer_map:
            raise NeurogrowError(f"recording target {region!r}: expected one of {', '.join(REGIONS)}")
        return self.region_layer_map[region]

    # ------------------------------------------------------------------------ tasks
    def start_task(self, task: str, fitting_stimuli=None) -> None:
        """Set the task for the following :meth:`look_at` calls.

        ``passive`` (recordings), ``label`` (``fitting_stimuli``: the list of choice labels;
        ``'imagenet'`` raises :class:`~neurogrow.brainscore.labels.UnsupportedLabels`) or
        ``probabilities`` (optional ``fitting_stimuli``: a StimulusSet with ``image_label``).
        """
        if task == BrainModel.Task.passive:
            pass
        elif task == BrainModel.Task.label:
            self._choice_classes = choice_classes(fitting_stimuli, self.model.class_names)
            self._choice_labels = choice_names(fitting_stimuli, self.model.class_names)
        elif task == BrainModel.Task.probabilities:
            self._readout = None if fitting_stimuli is None else self._fit_readout(fitting_stimuli)
        else:
            raise NeurogrowError(f"task {task!r}: expected one of {', '.join(self.supported_tasks)}")
        self._task = task

    def start_recording(self, recording_target: str, time_bins) -> None:
        """Record ``recording_target`` (V1, V2, V4 or IT) in ``time_bins`` [(start_ms, end_ms), ...]."""
        self._layer_of(recording_target)
        self._time_bins = check_time_bins(time_bins)
        self._region = recording_target
        self._task = BrainModel.Task.passive

    def look_at(self, stimuli, number_of_trials: int = 1, require_variance: bool = False):
        """Run the model on ``stimuli`` and return what the current task or recording asks for.

        The model is deterministic, so ``number_of_trials`` and ``require_variance`` change nothing.
        """
        paths, coords = _stimulus_paths(stimuli)
        if not paths:
            raise DataError("look_at: no stimuli; expected at least one image")
        if self._task == BrainModel.Task.passive:
            if self._region is None:
                raise NeurogrowError("look_at: no task and no recording; call start_task or start_recording first")
            return self._recordings(paths, coords)
        run = self.run(paths, features=self._readout is not None and self._task == BrainModel.Task.probabilities)
        if self._task == BrainModel.Task.label:
            return self._labels(run["probs"], coords)
        return self._probabilities(run, coords)

    # ---------------------------------------------------------------------- running
    @torch.no_grad()
    def run(self, paths: list[Path], features: bool = False) -> dict[str, np.ndarray]:
        """Forward pass on image files.

        Returns ``probs`` (N, K) halting-mixture class probabilities, ``halting`` (N, T),
        ``expected_steps`` (N,), ``exit_step`` (N,) and, with ``features``, ``features``: one
        (N, T, C_l) array of pooled states per layer (float32).
        """
        cfg = self.model.config
        images = load_images(paths, cfg.image_size, cfg.in_channels)
        run = run_forward(
            self.model, images, mode="full-length", activations=features, batch_size=self.batch_size,
            progress=True, desc=f"{self.identifier} forward",
        )
        result: dict = {
            "probs": run.mixture_probs,
            "halting": run.halting,
            "expected_steps": run.expected_steps.astype(np.float32),
            "exit_step": run.exit_step,
        }
        if features:
            result["features"] = [run.layer_features(layer) for layer in range(len(self.layers))]
        return result

    # ---------------------------------------------------------------------- outputs
    def _recordings(self, paths: list[Path], coords: dict) -> NeuroidAssembly:
        assert self._region is not None and self._time_bins is not None  # set by start_recording
        layer = self._layer_of(self._region)
        index = self.layers.index(layer)
        feats = self.run(paths, features=True)["features"][index]  # (N, T, C)
        weights = alignment_weights(self._time_bins, feats.shape[1])  # (bins, T)
        data = np.einsum("ntc,bt->ncb", feats, weights).astype(np.float32)
        names = self.recording_names(self._region)
        n_ch = feats.shape[2]
        assembly = NeuroidAssembly(
            data,
            coords={
                **coords,
                "neuroid_id": ("neuroid", [f"{layer}-c{c}" for c in range(n_ch)]),
                "layer": ("neuroid", [layer] * n_ch),
                "region": ("neuroid", [self._region] * n_ch),
                "channel": ("neuroid", np.arange(n_ch)),
                "time_bin_start": ("time_bin", np.array([b[0] for b in self._time_bins])),
                "time_bin_end": ("time_bin", np.array([b[1] for b in self._time_bins])),
            },
            dims=["presentation", "neuroid", "time_bin"],
        )
        assembly.attrs["recordings"] = ["+".join(names[t] for t in np.flatnonzero(w)) for w in weights]
        return assembly

    def _labels(self, probs: np.ndarray, coords: dict) -> BehavioralAssembly:
        assert self._choice_classes is not None and self._choice_labels is not None  # set by start_task
        classes = self._choice_classes
        scores = np.stack([probs[:, c] if c is not None else np.full(len(probs), -np.inf) for c in classes], 1)
        choices = [self._choice_labels[i] for i in scores.argmax(axis=1)]
        return BehavioralAssembly(
            [choices], coords={**coords, "label": ("presentation", choices)}, dims=["choice", "presentation"]
        )

    def _probabilities(self, run: dict, coords: dict) -> BehavioralAssembly:
        if self._readout is None:
            probs, choices = run["probs"], list(self.model.class_names)
        else:
            probs, choices = self._readout.predict(self._readout_features(run)), list(self._readout.labels)
        return BehavioralAssembly(
            probs, coords={**coords, "choice": ("choice", choices)}, dims=["presentation", "choice"]
        )

    # ----------------------------------------------------------------------- readout
    def _readout_features(self, run: dict) -> np.ndarray:
        """Pooled IT-layer state at the last step, (N, C)."""
        return run["features"][self.layers.index(self.region_layer_map["IT"])][:, -1]

    def _fit_readout(self, fitting_stimuli) -> _Readout:
        if not isinstance(fitting_stimuli, StimulusSet) or "image_label" not in fitting_stimuli.columns:
            raise NeurogrowError(
                "probabilities task: fitting_stimuli must be a StimulusSet with an image_label column "
                "(or None for the model's own class probabilities)"
            )
        paths, _ = _stimulus_paths(fitting_stimuli)
        run = self.run(paths, features=True)
        return _Readout.fit(self._readout_features(run), fitting_stimuli["image_label"].astype(str).to_numpy())


class _Readout:
    """Standardised multinomial logistic regression from features to labels (Brain-Score's C = 1e-3)."""

    def __init__(self, scaler, classifier, labels: list[str]) -> None:
        self.scaler = scaler
        self.classifier = classifier
        self.labels = labels

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray) -> _Readout:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        names, codes = np.unique(labels, return_inverse=True)
        if len(names) < 2:
            raise NeurogrowError(f"probabilities task: the fitting stimuli have {len(names)} distinct image_label; expected at least 2")
        scaler = StandardScaler().fit(features)
        classifier = LogisticRegression(C=1e-3, solver="newton-cg", max_iter=1000).fit(scaler.transform(features), codes)
        return cls(scaler, classifier, [str(n) for n in names])

    def predict(self, features: np.ndarray) -> np.ndarray:
        return self.classifier.predict_proba(self.scaler.transform(features))
