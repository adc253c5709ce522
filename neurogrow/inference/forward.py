"""The one batched forward pass over a set of images, used by every command that runs a model.

``neurogrow extract``, ``neurogrow evaluate``, ``neurogrow compare-rsa`` on a model and the
Brain-Score wrapper (:mod:`neurogrow.brainscore.brain_model`) all run a model through
:func:`forward_batches` (batch by batch) or :func:`run_forward` (the batches joined):
uint8 images are normalised as in training (:func:`neurogrow.model.inputs.to_input`), moved to
the model's device and classified in one of three modes,

* ``full-length``: every image runs all T steps (:func:`~neurogrow.inference.run_full_length`);
* ``early-exit``: each image's answer and FLOPs are those of its exit step, and exited images
  are run on to T only to record the per-step outputs (``run_early_exit(complete=True)``);
* ``exit-only``: each image is computed only up to its exit (``run_early_exit``); per-step
  entries after the exit are NaN,

optionally with every layer's pooled activations at every step. The exit rule is
:func:`neurogrow.model.halting.exit_step`'s.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from neurogrow.errors import NeurogrowError
from neurogrow.inference.early_exit import InferenceResult, run_early_exit, run_full_length
from neurogrow.inference.flops import flops_per_step
from neurogrow.model.halting import DEFAULT_THRESHOLD, check_threshold
from neurogrow.model.inputs import to_input
from neurogrow.model.lattice import LatticeRCNN

__all__ = ["MODES", "ForwardResult", "evaluate", "forward_batches", "run_forward"]

#: Forward-pass modes (see the module docstring).
MODES = ("early-exit", "full-length", "exit-only")


@dataclass
class ForwardResult:
    """Per-image outputs of :func:`run_forward` over N images (T steps, K classes, as NumPy).

    Attributes
    ----------
    step_logits, step_probs
        Class logits and probabilities at every step, (N, T, K) float32.
    halting
        Halting distribution over steps, (N, T) float32.
    mixture_probs
        Class probabilities averaged over steps with weights pi, (N, K) float32.
    expected_steps
        E_pi[t] (steps from 1), (N,) float64 (NaN where pi is unknown, ``exit-only``).
    exit_step, prediction, flops
        Exit step (from 1), predicted class index at the exit, FLOPs spent; (N,) int64.
    threshold
        The exit threshold.
    step_flops
        :func:`~neurogrow.inference.flops_per_step` of the model, (T,) int64.
    features
        With activations: ``features[t][l]`` is layer l's pooled state at step t + 1, (N, C_l).
    """

    step_logits: np.ndarray
    step_probs: np.ndarray
    halting: np.ndarray
    mixture_probs: np.ndarray
    expected_steps: np.ndarray
    exit_step: np.ndarray
    prediction: np.ndarray
    flops: np.ndarray
    threshold: float
    step_flops: np.ndarray
    features: list[list[np.ndarray]] | None = None

    def activations(self) -> dict[str, np.ndarray]:
        """Pooled activations by times-file name, ``{"layer1-t1": (N, C_1), ...}`` (layer, then step)."""
        from neurogrow.io.times import activation_name

        if self.features is None:
            raise NeurogrowError("no activations in this forward pass; run it with activations=True")
        steps, layers = len(self.features), len(self.features[0])
        return {
            activation_name(f"layer{layer + 1}", t + 1): self.features[t][layer] for layer in range(layers) for t in range(steps)
        }

    def layer_features(self, layer: int) -> np.ndarray:
        """Layer ``layer``'s (from 0) pooled states at every step, (N, T, C)."""
        if self.features is None:
            raise NeurogrowError("no activations in this forward pass; run it with activations=True")
        return np.stack([per_layer[layer] for per_layer in self.features], axis=1)


def forward_batches(
    model: LatticeRCNN,
    images: np.ndarray | torch.Tensor,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    mode: str = "full-length",
    activations: bool = False,
    batch_size: int = 256,
    amp: bool = False,
    progress: bool | None = False,
    desc: str = "forward",
    step_flops: np.ndarray | None = None,
) -> Iterator[InferenceResult]:
    """Run ``model`` on uint8 images (N, H, W, C) batch by batch; yields one result per batch.

    Parameters
    ----------
    model
        The network; its device is used and its train/eval mode restored afterwards.
    images
        uint8 images at the model's input size, (N, H, W, C).
    threshold
        Cumulative halting probability of the exit step, in (0, 1].
    mode
        One of :data:`MODES`.
    activations
        Also return every layer's pooled state at every step (``features``).
    batch_size
        Images per forward pass.
    amp
        bfloat16 autocast on a CUDA device (ignored elsewhere).
    progress
        Progress over images through :func:`neurogrow.progress.progress` (a bar on a terminal,
        plain lines on stderr elsewhere, nothing under ``neurogrow --quiet``); False: none.
        None is the same as True.
    desc
        The progress label.
    step_flops
        :func:`~neurogrow.inference.flops_per_step` of ``model``, if already computed.
    """
    from neurogrow.progress import progress as progress_bar

    threshold = check_threshold(threshold)
    if mode not in MODES:
        raise NeurogrowError(f"forward mode {mode!r}: expected one of {', '.join(MODES)}")
    if int(batch_size) < 1:
        raise NeurogrowError(f"batch size {batch_size}: expected a positive integer")
    batch_size = int(batch_size)
    device = next(model.parameters()).device
    step_flops = flops_per_step(model) if step_flops is None else step_flops
    tensor = images if isinstance(images, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(images))
    n = tensor.shape[0]
    with progress_bar(total=n, desc=desc, unit="img", disable=progress is False) as bar:
        for start in range(0, n, batch_size):
            x = to_input(tensor[start : start + batch_size].to(device), model.config)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp and device.type == "cuda"):
                if mode == "full-length":
                    result = run_full_length(model, x, threshold, return_features=activations, step_flops=step_flops)
                else:
                    result = run_early_exit(
                        model, x, threshold, return_features=activations, complete=mode == "early-exit", step_flops=step_flops
                    )
            bar.update(x.shape[0])
            yield result


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def run_forward(
    model: LatticeRCNN,
    images: np.ndarray | torch.Tensor,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    mode: str = "full-length",
    activations: bool = False,
    batch_size: int = 256,
    progress: bool | None = False,
    desc: str = "forward",
) -> ForwardResult:
    """:func:`forward_batches` with the batches joined into one :class:`ForwardResult`."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("logits", "probs", "halting", "mixture", "expected", "exit", "pred", "flops")}
    feats: list[list[list[np.ndarray]]] = [[[] for _ in range(model.num_layers)] for _ in range(model.steps)]
    step_flops = flops_per_step(model)
    batches = forward_batches(
        model, images, threshold=threshold, mode=mode, activations=activations, batch_size=batch_size,
        progress=progress, desc=desc, step_flops=step_flops,
    )
    for res in batches:
        probs = res.step_probs
        parts["logits"].append(_numpy(res.step_logits.float()))
        parts["probs"].append(_numpy(probs).astype(np.float32))
        parts["halting"].append(_numpy(res.halting).astype(np.float32))
        parts["mixture"].append(_numpy(torch.einsum("bt,btk->bk", res.halting, probs)).astype(np.float32))
        parts["expected"].append(_numpy(res.expected_steps.double()))
        parts["exit"].append(_numpy(res.exit_step))
        parts["pred"].append(_numpy(res.prediction))
        parts["flops"].append(_numpy(res.flops))
        if res.features is not None:
            for t, per_layer in enumerate(res.features):
                for layer, f in enumerate(per_layer):
                    feats[t][layer].append(_numpy(f.float()).astype(np.float32))
    joined = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    return ForwardResult(
        step_logits=joined["logits"],
        step_probs=joined["probs"],
        halting=joined["halting"],
        mixture_probs=joined["mixture"],
        expected_steps=joined["expected"],
        exit_step=joined["exit"].astype(np.int64),
        prediction=joined["pred"].astype(np.int64),
        flops=joined["flops"].astype(np.int64),
        threshold=check_threshold(threshold),
        step_flops=step_flops,
        features=[[np.concatenate(f) for f in per_layer] for per_layer in feats] if activations else None,
    )


@torch.no_grad()
def evaluate(
    model: LatticeRCNN,
    data,
    device: torch.device | None = None,
    batch_size: int = 1000,
    amp: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    progress: bool = False,
) -> dict:
    """Accuracy (early-exit and mixture), mean expected steps and mean exit step on ``data``.

    ``exit_histogram[t - 1]`` counts the images whose exit step is t (t = 1..T).
    ``steps_sd`` is the standard deviation over images of E[t] = sum_t t * pi_t (ddof 1): whether
    halting varies across images, which a mean strictly inside [1, T] alone does not show.

    ``data`` is an :class:`~neurogrow.data.ImageDataset`; every image runs all T steps
    (``full-length``) on the model's device (``device``, kept for existing callers, is where
    the model already is). ``progress``: show progress over the images
    (:mod:`neurogrow.progress`), as ``neurogrow evaluate`` does.
    """
    threshold = check_threshold(threshold, "--threshold")
    labels = torch.from_numpy(data.labels)
    correct_exit = correct_mix = 0
    steps_sum = steps_sq = exit_sum = 0.0
    exit_counts = np.zeros(model.steps, dtype=np.int64)
    start = 0
    batches = forward_batches(
        model, data.images, threshold=threshold, mode="full-length", batch_size=batch_size, amp=amp,
        progress=progress, desc=f"evaluate {getattr(data, 'name', 'data')}",
    )
    for res in batches:
        y = labels[start : start + len(res.exit_step)].to(res.exit_step.device)
        start += len(y)
        mixture = torch.einsum("bt,btk->bk", res.halting, res.step_probs)
        correct_exit += int((res.prediction == y).sum().item())
        correct_mix += int((mixture.argmax(1) == y).sum().item())
        e = res.expected_steps.double()
        steps_sum += e.sum().item()
        steps_sq += (e * e).sum().item()
        exit_sum += res.exit_step.float().sum().item()
        exit_counts += np.bincount(res.exit_step.cpu().numpy() - 1, minlength=model.steps)[: model.steps]
    n = len(data)
    return {
        "accuracy": correct_exit / n,
        "accuracy_mixture": correct_mix / n,
        "mean_steps": steps_sum / n,
        "steps_sd": math.sqrt(max(0.0, (steps_sq - steps_sum * steps_sum / n) / (n - 1))) if n > 1 else 0.0,
        "mean_exit_step": exit_sum / n,
        "exit_histogram": exit_counts.tolist(),
        "n": n,
    }
