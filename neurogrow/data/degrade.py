"""Image degradations with one signature, for occlusion and its controls.

Every degradation is a function ``f(images, ids, level, seed) -> images``: uint8 images of
shape (N, H, W, C), one stable id per image, a severity ``level`` (0 = unchanged) and a seed;
any randomness depends only on (seed, id), never on batch order. Named degradations:

- ``occlusion``: grey rectangles covering the fraction ``level`` of the pixels
  (:func:`neurogrow.data.occlude`);
- ``noise``: additive Gaussian noise of standard deviation ``level * 255``, clipped;
- ``blur``: Gaussian blur with standard deviation ``level`` pixels;
- ``contrast``: contrast reduced towards mid-grey, ``128 + (1 - level) * (x - 128)``.

:func:`resolve_degradation` also accepts ``module:function`` or ``path/to/file.py:function``,
so an occluder kept outside the project runs through the same code.
"""
from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np

from neurogrow.data.occlusion import _rng_for, occlude
from neurogrow.errors import DataError

Degradation = Callable[[np.ndarray, list, float, int], np.ndarray]


def _check(images: np.ndarray, ids: list, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise DataError(f"{name}: images of dtype {images.dtype} and shape {images.shape}; expected uint8 (N, H, W, C)")
    if len(ids) != len(images):
        raise DataError(f"{name}: {len(ids)} ids for {len(images)} images; expected one id per image")
    return images


def add_noise(images: np.ndarray, ids: list, level: float, seed: int = 0) -> np.ndarray:
    """Additive Gaussian noise, standard deviation ``level * 255``, seeded per (seed, id)."""
    images = _check(images, ids, "noise")
    if level < 0:
        raise DataError(f"noise: level {level}; expected >= 0")
    out = images.astype(np.float32)
    for i, image_id in enumerate(ids):
        out[i] += _rng_for(seed, f"noise:{image_id}").standard_normal(images.shape[1:]).astype(np.float32) * (level * 255)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def blur(images: np.ndarray, ids: list, level: float, seed: int = 0) -> np.ndarray:
    """Gaussian blur of standard deviation ``level`` pixels (reflecting edges)."""
    from scipy.ndimage import gaussian_filter

    images = _check(images, ids, "blur")
    if level < 0:
        raise DataError(f"blur: level {level}; expected >= 0")
    if level == 0:
        return images.copy()
    out = gaussian_filter(images.astype(np.float32), sigma=(0, level, level, 0), mode="reflect")
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def reduce_contrast(images: np.ndarray, ids: list, level: float, seed: int = 0) -> np.ndarray:
    """Contrast reduced towards mid-grey by the factor ``1 - level``, ``level`` in [0, 1]."""
    images = _check(images, ids, "contrast")
    if not 0 <= level <= 1:
        raise DataError(f"contrast: level {level}; expected a value in [0, 1]")
    out = 128.0 + (1.0 - level) * (images.astype(np.float32) - 128.0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _occlusion(images: np.ndarray, ids: list, level: float, seed: int = 0) -> np.ndarray:
    return occlude(images, [str(i) for i in ids], float(level), seed)


DEGRADATIONS: dict[str, Degradation] = {
    "occlusion": _occlusion,
    "noise": add_noise,
    "blur": blur,
    "contrast": reduce_contrast,
}


def resolve_degradation(spec: str) -> Degradation:
    """A named degradation, ``module:function`` or ``file.py:function``."""
    if spec in DEGRADATIONS:
        return DEGRADATIONS[spec]
    if ":" not in spec:
        raise DataError(f"degradation {spec!r}: expected one of {', '.join(DEGRADATIONS)}, module:function or file.py:function")
    where, func = spec.rsplit(":", 1)
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise DataError(f"degradation {spec!r}: file {where} not found")
            mod_spec = importlib.util.spec_from_file_location(f"_degradation_{path.stem}", path)
            if mod_spec is None or mod_spec.loader is None:
                raise DataError(f"degradation {spec!r}: {where} cannot be imported as a Python module")
            module = importlib.util.module_from_spec(mod_spec)
            mod_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except ImportError as e:
        raise DataError(f"degradation {spec!r}: cannot import {where} ({e})") from None
    fn = getattr(module, func, None)
    if not callable(fn):
        raise DataError(f"degradation {spec!r}: {where} has no function {func}")
    return fn


def apply_degradation(fn: Degradation, images: np.ndarray, ids: list, level: float, seed: int = 0) -> np.ndarray:
    """Apply ``fn`` and check that it returned images of the same shape and dtype."""
    if level == 0:
        return np.asarray(images).copy()
    out = np.asarray(fn(images, ids, level, seed))
    if out.shape != np.shape(images) or out.dtype != np.uint8:
        raise DataError(f"degradation returned {out.dtype} {out.shape}; expected uint8 {np.shape(images)}")
    return out
