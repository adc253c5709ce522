"""Deterministic per-image occluders: grey rectangles covering a set fraction of each image."""
from __future__ import annotations

import hashlib

import numpy as np

from neurogrow.errors import DataError

#: Fill value of occluded pixels (mid-grey in every channel).
OCCLUDER_FILL = 128
_RECTS_PER_DRAW = 16


def _rng_for(seed: int, image_id: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{image_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def occluder_mask(height: int, width: int, image_id: str, fraction: float, seed: int = 0) -> np.ndarray:
    """Return the boolean occluder mask of one image.

    Random axis-aligned rectangles (sides 1/8 to 1/3 of the image) are added until exactly
    ``round(fraction * height * width)`` pixels are covered; the last rectangle is cut short in
    raster order to hit the count. The rectangles depend only on ``(seed, image_id)``, so the
    mask for a larger fraction contains the mask for a smaller one.

    Parameters
    ----------
    height, width : int
        Image size.
    image_id : str
        The image's stable stimulus id.
    fraction : float
        Fraction of pixels to cover, in [0, 1).
    seed : int
        Seed shared by all images of one experiment.

    Returns
    -------
    np.ndarray
        bool array of shape (height, width).
    """
    target = round(fraction * height * width)
    mask = np.zeros((height, width), dtype=bool)
    rng = _rng_for(seed, image_id)
    lo = np.array([max(1, height // 8), max(1, width // 8)])
    span = np.array([max(1, height // 3), max(1, width // 3)]) - lo + 1
    covered = 0
    while covered < target:
        u = rng.random((_RECTS_PER_DRAW, 4))
        sizes = lo + (u[:, :2] * span).astype(int)
        corners = (u[:, 2:] * (np.array([height, width]) - sizes + 1)).astype(int)
        for (h, w), (y, x) in zip(sizes, corners):
            window = mask[y:y + h, x:x + w]
            take = np.flatnonzero(~window)[: target - covered]
            window.flat[take] = True
            covered += take.size
            if covered == target:
                break
    return mask


def occlude(images: np.ndarray, ids: list[str], fraction: float, seed: int = 0) -> np.ndarray:
    """Cover ``fraction`` of each image's pixels with mid-grey rectangles.

    Parameters
    ----------
    images : np.ndarray
        uint8 array of shape (N, H, W, C).
    ids : list of str
        Stable stimulus id of each image; the occluder depends only on (id, seed, fraction),
        not on the batch order or on which other images are present.
    fraction : float
        Fraction of pixels to cover, in [0, 1); 0 returns an unchanged copy.
    seed : int
        Seed shared by all images of one experiment.

    Returns
    -------
    np.ndarray
        A new array, with the covered pixels set to :data:`OCCLUDER_FILL` in every channel.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise DataError(f"occlude: images of dtype {images.dtype} and shape {images.shape}; expected uint8 (N, H, W, C)")
    if len(ids) != len(images):
        raise DataError(f"occlude: {len(ids)} ids for {len(images)} images; expected one id per image")
    if not 0.0 <= fraction < 1.0:
        raise DataError(f"occlude: fraction={fraction}; expected a value in [0, 1)")
    out = images.copy()
    if fraction == 0:
        return out
    _, height, width, _ = images.shape
    for i, image_id in enumerate(ids):
        out[i][occluder_mask(height, width, str(image_id), fraction, seed)] = OCCLUDER_FILL
    return out
