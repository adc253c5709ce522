"""FLOPs of the lattice RCNN's recurrent steps, per image.

FLOPs are counted by :class:`torch.utils.flop_counter.FlopCounterMode` on one image: two per
multiply-add of the convolutions and matrix products (a k x k convolution from C_in to C_out
channels on an H x W map costs ``2 * C_out * C_in * k * k * H * W``). Element-wise work
(normalisation, ReLU, gates, pooling, upsampling) is not counted; it is a small fraction of the
total and does not change with the halting policy.

Step 1 (index 0) has no lateral or top-down input but includes the bottom-up convolution of
the image, which is computed once and cached for the later steps; steps 2..T add the lateral
and top-down convolutions and reuse the cached image drive. An image that exits at step k has
cost the sum of the first k entries of :func:`flops_per_step`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from neurogrow.errors import NeurogrowError
from neurogrow.model.lattice import LatticeRCNN

__all__ = ["flops_per_step", "flops_spent"]


def flops_per_step(model: LatticeRCNN) -> np.ndarray:
    """FLOPs of each recurrent step of ``model`` for one image.

    Parameters
    ----------
    model
        The network; its current window (channels, layers, steps T) sets the count.

    Returns
    -------
    np.ndarray
        int64 array of shape (T,): entry t is the cost of step t + 1 (steps counted from 1),
        the first entry including the cached bottom-up convolution of the image.
    """
    cfg = model.config
    param = next(model.parameters())
    x = torch.zeros(1, cfg.in_channels, cfg.image_size, cfg.image_size, device=param.device, dtype=param.dtype)
    was_training = model.training
    model.eval()
    counts = []
    try:
        with torch.no_grad():
            state: Sequence[torch.Tensor | None] = [None] * model.num_layers
            drive = None
            for t in range(model.steps):
                counter = FlopCounterMode(display=False)
                with counter:
                    state, _, _, drive = model.step(x, state, t, drive)
                counts.append(counter.get_total_flops())
    finally:
        model.train(was_training)
    return np.asarray(counts, dtype=np.int64)


def flops_spent(step_flops: np.ndarray, steps) -> np.ndarray:
    """FLOPs spent on images that ran for ``steps`` steps each.

    Parameters
    ----------
    step_flops
        Output of :func:`flops_per_step`, shape (T,).
    steps
        Number of steps run per image (1..T), any integer array-like.

    Returns
    -------
    np.ndarray
        int64 array of the shape of ``steps``: the sum of the first ``steps`` entries of
        ``step_flops`` for each image.
    """
    cumulative = np.cumsum(np.asarray(step_flops, dtype=np.int64))
    steps = np.asarray(steps, dtype=np.int64)
    if steps.size and (steps.min() < 1 or steps.max() > len(cumulative)):
        raise NeurogrowError(f"flops_spent: steps from {steps.min()} to {steps.max()}; expected values in [1, {len(cumulative)}]")
    return cumulative[steps - 1]
