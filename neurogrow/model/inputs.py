"""Turning uint8 images into the model's normalised input tensors."""
from __future__ import annotations

import numpy as np
import torch

from neurogrow.model.config import ModelConfig


def channel_stats(images: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of uint8 images (N, H, W, C), in [0, 1] units."""
    x = images.reshape(-1, images.shape[-1]).astype(np.float64) / 255.0
    return x.mean(axis=0).tolist(), np.maximum(x.std(axis=0), 1e-3).tolist()


def to_input(images: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """uint8 images (N, H, W, C) on any device -> float (N, C, H, W) normalised as in training."""
    x = images.permute(0, 3, 1, 2).float().div_(255.0)
    c = x.shape[1]
    mean = torch.tensor(config.input_mean or [0.5] * c, device=x.device).view(1, -1, 1, 1)
    std = torch.tensor(config.input_std or [0.25] * c, device=x.device).view(1, -1, 1, 1)
    return (x - mean) / std
