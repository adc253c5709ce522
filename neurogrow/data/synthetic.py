"""A small generated image task for tests and quick experiments.

Each class is a fixed random smooth pattern; an image is its class's pattern,
circularly shifted by a random offset, plus pixel noise. Telling the classes apart
needs several channels, so the task has a real demand for capacity, while a few
hundred images train in seconds on a CPU.
"""
from __future__ import annotations

import numpy as np

from neurogrow.data.dataset import ImageDataset


def _templates(num_classes: int, size: int, channels: int, rng: np.random.Generator) -> np.ndarray:
    coarse = rng.normal(size=(num_classes, size // 4, size // 4, channels))
    return np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2)


def make_synthetic(
    n: int,
    split: str = "train",
    num_classes: int = 4,
    size: int = 16,
    channels: int = 3,
    noise: float = 0.6,
    seed: int = 0,
) -> ImageDataset:
    """Generate ``n`` images of the synthetic task.

    Parameters
    ----------
    n
        Number of images.
    split
        ``"train"`` or ``"test"``; the two splits share class templates but not images.
    num_classes, size, channels
        Task shape; ``size`` must be a multiple of 4.
    noise
        Standard deviation of the pixel noise relative to the template's.
    seed
        Seeds the templates; the split name seeds the images.
    """
    templates = _templates(num_classes, size, channels, np.random.default_rng(seed))
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    labels = rng.integers(0, num_classes, size=n)
    shifts = rng.integers(0, size, size=(n, 2))
    images = np.stack([np.roll(templates[c], tuple(s), axis=(0, 1)) for c, s in zip(labels, shifts)])
    images = images + noise * rng.normal(size=images.shape)
    pixels = np.clip(128 + 40 * images, 0, 255).astype(np.uint8)
    return ImageDataset(
        images=pixels,
        labels=labels,
        class_names=[f"class{c}" for c in range(num_classes)],
        ids=[f"{split}/{i}" for i in range(n)],
        name="synthetic",
    )
