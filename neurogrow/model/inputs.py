"""Turning uint8 images into the model's normalised input tensors."""
from __future__ import annotations

import numpy as np
import torch

from neurogrow.model.config import ModelConfig

#: Pixel values (N x H x W x C) up to which :func:`channel_stats` converts all at once (2 GB of float64).
_IN_ONE_PASS = 256 * 2**20


def channel_stats(images: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of uint8 images (N, H, W, C), in [0, 1] units."""
    n, c = images.shape[0], images.shape[-1]
    per_image = int(np.prod(images.shape[1:-1]))
    if n * per_image * c <= _IN_ONE_PASS:  # as always computed (the shipped models' statistics)
        x = images.reshape(-1, c).astype(np.float64) / 255.0
        return x.mean(axis=0).tolist(), np.maximum(x.std(axis=0), 1e-3).tolist()
    # a large (e.g. memory-mapped) set: two passes over chunks, memory bounded by one chunk
    step = max(1, _IN_ONE_PASS // (8 * per_image * c))
    total = np.zeros(c)
    for i in range(0, n, step):
        total += images[i : i + step].reshape(-1, c).sum(axis=0, dtype=np.float64)
    mean = total / (n * per_image)
    squares = np.zeros(c)
    for i in range(0, n, step):
        squares += ((images[i : i + step].reshape(-1, c).astype(np.float64) - mean) ** 2).sum(axis=0)
    std = np.sqrt(squares / (n * per_image))
    return (mean / 255.0).tolist(), np.maximum(std / 255.0, 1e-3).tolist()


def to_input(images: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """uint8 images (N, H, W, C) on any device -> float (N, C, H, W) normalised as in training."""
    x = images.permute(0, 3, 1, 2).float().div_(255.0)
    c = x.shape[1]
    mean = torch.tensor(config.input_mean or [0.5] * c, device=x.device).view(1, -1, 1, 1)
    std = torch.tensor(config.input_std or [0.25] * c, device=x.device).view(1, -1, 1, 1)
    return (x - mean) / std
