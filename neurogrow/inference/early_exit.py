"""Early-exit inference: stop computing an image once its halting probability says so.

The exit rule is the one of :func:`neurogrow.model.halting.exit_step`: an image exits at
the first step t (counted from 1) where its cumulative halting probability
``sum_{s<=t} pi(s | x)`` reaches the threshold (0.5 by default), and at step T at the latest;
its answer is the class logits of that step. With adaptive halting the cumulative probability
after step t is ``1 - prod_{s<=t} (1 - lambda_s(x))``, known as soon as step t has run, so the
network can stop there; with fixed time it is the cumulative softmax of the learned time
logits, the same for every image.

:func:`run_early_exit` steps the network with :meth:`LatticeRCNN.step` and, after each step,
removes the images that exited from the batch (their rows of the per-layer states, the cached
image drive and the input), so the remaining steps are computed only for images still running.
:func:`run_full_length` is the baseline: every image runs all T steps and the same rule is
applied afterwards. Both return an :class:`InferenceResult` with the same fields, and give the
same exit steps and answers (the early-exit logits agree with the full-length ones up to float
rounding of the smaller batches).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from neurogrow.errors import NeurogrowError
from neurogrow.inference.flops import flops_per_step, flops_spent
from neurogrow.model import halting as halting_rule
from neurogrow.model.halting import check_threshold
from neurogrow.model.halting_head import step_signals
from neurogrow.model.lattice import LatticeRCNN

__all__ = ["InferenceResult", "check_threshold", "run_early_exit", "run_full_length"]


@dataclass
class InferenceResult:
    """Per-image outcome of one inference run over a batch of B images (T steps, K classes).

    Entries for steps an image did not run are NaN (``step_logits``, ``halting``, ``features``);
    :func:`run_early_exit` leaves them NaN after each image's exit unless run with
    ``complete=True``; :func:`run_full_length` fills them all. With fixed time the halting
    distribution does not depend on the image and is filled for every step.

    Attributes
    ----------
    logits
        Class logits at each image's exit step, shape (B, K): the model's answer.
    step_logits
        Class logits at every step, shape (B, T, K).
    halting
        Halting distribution pi(t | x) over steps, shape (B, T).
    exit_step
        First step (from 1) where the cumulative halting probability reaches ``threshold``
        (T if it never does), shape (B,), int64.
    steps_run
        Number of steps computed for each image, shape (B,), int64: the exit step under early
        exit, T under full length or ``complete=True``.
    flops
        FLOPs spent on each image to produce its answer, shape (B,), int64: the first
        ``exit_step`` entries of :func:`~neurogrow.inference.flops.flops_per_step` summed under
        early exit, all T under full length.
    threshold
        The exit threshold.
    features
        If requested, ``features[t][l]`` is layer l's global-average-pooled state at step
        t + 1, shape (B, C_l).
    """

    logits: torch.Tensor
    step_logits: torch.Tensor
    halting: torch.Tensor
    exit_step: torch.Tensor
    steps_run: torch.Tensor
    flops: torch.Tensor
    threshold: float
    features: list[list[torch.Tensor]] | None = field(default=None)

    @property
    def step_probs(self) -> torch.Tensor:
        """Class probabilities at every step, shape (B, T, K) (NaN for steps not run)."""
        return torch.softmax(self.step_logits.float(), dim=-1)

    @property
    def prediction(self) -> torch.Tensor:
        """Predicted class index at the exit step, shape (B,)."""
        return self.logits.argmax(dim=1)

    @property
    def expected_steps(self) -> torch.Tensor:
        """E_pi[t] (steps from 1) per image, shape (B,); NaN where pi is not known for every step."""
        known = ~torch.isnan(self.halting).any(dim=1)
        value = halting_rule.expected_steps(torch.nan_to_num(self.halting, nan=0.0))
        return torch.where(known, value, torch.full_like(value, float("nan")))


def _check_input(model: LatticeRCNN, x: torch.Tensor) -> None:
    cfg = model.config
    expected = (cfg.in_channels, cfg.image_size, cfg.image_size)
    if x.ndim != 4 or tuple(x.shape[1:]) != expected:
        raise NeurogrowError(f"input of shape {tuple(x.shape)}; expected (batch, {', '.join(map(str, expected))}), the model's input")


def _fixed_pi(model: LatticeRCNN) -> torch.Tensor | None:
    """The input-independent halting distribution of a fixed-time model (None if adaptive)."""
    if model.config.time_mode != "fixed":
        return None
    return model.halting(torch.zeros(1, model.steps, device=model.time_logits.device))[0]


def _flops(model: LatticeRCNN, step_flops: np.ndarray | None, steps: torch.Tensor) -> torch.Tensor:
    per_step = flops_per_step(model) if step_flops is None else np.asarray(step_flops, dtype=np.int64)
    if per_step.shape != (model.steps,):
        raise NeurogrowError(f"step_flops has shape {per_step.shape}; expected ({model.steps},), one entry per step")
    return torch.from_numpy(flops_spent(per_step, steps.cpu().numpy())).to(steps.device)


def run_early_exit(
    model: LatticeRCNN,
    x: torch.Tensor,
    threshold: float = 0.5,
    return_features: bool = False,
    complete: bool = False,
    step_flops: np.ndarray | None = None,
) -> InferenceResult:
    """Classify a batch, computing each image only up to its exit step.

    After every step the cumulative halting probability of each running image is updated
    (adaptive: ``1 - prod_{s<=t} (1 - lambda_s)``, computed exactly as
    :func:`neurogrow.model.halting.adaptive_halting` does, the last step taking the rest; fixed:
    the cumulative learned distribution). Images whose cumulative probability reaches
    ``threshold`` exit with that step's logits and are dropped from the batch (the rows of the
    running images are selected from the per-layer states, the cached image drive and the
    input), so later steps are computed only for images still running.

    Parameters
    ----------
    model
        The network (run in eval mode; its mode is restored afterwards).
    x
        Normalised images, shape (B, C, H, W) (see :func:`neurogrow.model.inputs.to_input`).
    threshold
        Cumulative halting probability at which an image exits, in (0, 1].
    return_features
        Also return every layer's pooled state at every step run.
    complete
        Keep running exited images to step T (their answer, exit step and ``flops`` stay those
        of the exit) so that the per-step outputs, the halting distribution and the features
        exist for every step; no compute is saved.
    step_flops
        :func:`~neurogrow.inference.flops.flops_per_step` of ``model``, if already computed.

    Returns
    -------
    InferenceResult
        Entries for steps after an image's exit are NaN unless ``complete``.
    """
    threshold = check_threshold(threshold)
    _check_input(model, x)
    B, T, K = x.shape[0], model.steps, model.config.num_classes
    device = x.device
    nan = float("nan")
    step_logits = torch.full((B, T, K), nan, device=device)
    halting = torch.full((B, T), nan, device=device)
    logits = torch.full((B, K), nan, device=device)
    exit_step = torch.zeros(B, dtype=torch.long, device=device)
    steps_run = torch.zeros(B, dtype=torch.long, device=device)
    features = None
    if return_features:
        features = [[torch.full((B, layer.channels), nan, device=device) for layer in model.layers] for _ in range(T)]
    log_survive = torch.zeros(B, device=device)  # log P(not halted after the steps run so far)
    cumulative = torch.zeros(B, device=device)

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            fixed_pi = _fixed_pi(model)
            if fixed_pi is not None:
                halting[:] = fixed_pi
            rows = torch.arange(B, device=device)  # image index of each row of the running batch
            xb, drive = x, None
            previous: torch.Tensor | None = None  # the previous step's logits of the running rows
            state: Sequence[torch.Tensor | None] = [None] * model.num_layers
            for t in range(T):
                if len(rows) == 0:
                    break
                computed, out, pooled, drive = model.step(xb, state, t, drive)
                state = computed
                if model.halt_head is not None and fixed_pi is None:  # the mlp head: its own logit, as in forward()
                    signals = step_signals(out[:, :-1], previous, model.detached_halt_row(pooled), t, model.config.max_steps)
                    out = torch.cat([out[:, :-1], model.halt_head(signals)[:, None].to(out.dtype)], dim=1)
                previous = out[:, :-1]
                step_logits[rows, t] = out[:, :-1].float()
                steps_run[rows] = t + 1
                if features is not None:
                    for layer_index, p in enumerate(pooled):
                        features[t][layer_index][rows] = p.float()
                if fixed_pi is not None:
                    pi_t = fixed_pi[t].expand(len(rows))
                elif t == T - 1:  # the last step takes the remaining mass
                    pi_t = torch.exp(log_survive[rows])
                else:
                    lam = torch.sigmoid(out[:, -1].float())
                    pi_t = torch.exp(log_survive[rows]) * lam
                    log_survive[rows] += torch.log1p(-lam.clamp(max=1 - 1e-7))
                if fixed_pi is None:
                    halting[rows, t] = pi_t
                cumulative[rows] += pi_t
                running = exit_step[rows] == 0
                exits = running & (halting_rule.reached_threshold(cumulative[rows], threshold) | (t == T - 1))
                if exits.any():
                    exit_step[rows[exits]] = t + 1
                    logits[rows[exits]] = out[exits, :-1].float()
                    if not complete:
                        keep = torch.nonzero(~exits).flatten()
                        rows = rows[keep]
                        # advanced indexing, not index_select: the latter is many times slower
                        # on CPU with several threads when the cores are shared
                        xb, drive, previous = xb[keep], drive[keep], previous[keep]
                        state = [s[keep] for s in computed]
    finally:
        model.train(was_training)
    flops = _flops(model, step_flops, exit_step)
    return InferenceResult(logits, step_logits, halting, exit_step, steps_run, flops, threshold, features)


def run_full_length(
    model: LatticeRCNN,
    x: torch.Tensor,
    threshold: float = 0.5,
    return_features: bool = False,
    step_flops: np.ndarray | None = None,
) -> InferenceResult:
    """Classify a batch running every image for all T steps: the baseline of early exit.

    The model's forward pass (``model(x)``) computes every step for every image; the exit
    step and answer follow the same rule as :func:`run_early_exit` (first step where the
    cumulative halting probability reaches ``threshold``, and its logits), and every image is
    charged the FLOPs of all T steps.

    Parameters
    ----------
    model
        The network (run in eval mode; its mode is restored afterwards).
    x
        Normalised images, shape (B, C, H, W).
    threshold
        Cumulative halting probability that defines the exit step, in (0, 1].
    return_features
        Also return every layer's pooled state at every step.
    step_flops
        :func:`~neurogrow.inference.flops.flops_per_step` of ``model``, if already computed.

    Returns
    -------
    InferenceResult
        With every per-step entry filled.
    """
    threshold = check_threshold(threshold)
    _check_input(model, x)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x, return_features=return_features)
    finally:
        model.train(was_training)
    B, T = out.halting.shape
    exit_step = out.exit_step(threshold).long()
    steps_run = torch.full((B,), T, dtype=torch.long, device=x.device)
    features = None
    if return_features:
        features = [[f.float() for f in step] for step in out.features]
    return InferenceResult(
        logits=out.exit_logits(threshold).float(),
        step_logits=out.logits.float(),
        halting=out.halting.float().contiguous(),
        exit_step=exit_step,
        steps_run=steps_run,
        flops=_flops(model, step_flops, steps_run),
        threshold=threshold,
        features=features,
    )
