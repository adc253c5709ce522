"""The one place where an image file becomes a uint8 array: :func:`read_image` and :func:`to_array`.

Every reader of images (:func:`neurogrow.data.load_image_folder`, the CIFAR-10 JPEG decoder,
the Brain-Score model's stimulus loader) goes through :func:`to_array`, which converts images
as users store them:

- **EXIF orientation** is applied (a photo taken upright is read upright).
- **16-bit greyscale** (PNG mode ``I;16``/``I``) is scaled to 8 bits, ``round(v * 255 / 65535)``
  (Pillow's own conversion clips every value above 255 to white). 16-bit colour PNGs are reduced
  to 8 bits by Pillow when it reads them (the high byte of each value).
- **Palette** images (``P``, ``PA``) are expanded through their palette, with its transparency.
- **CMYK** (JPEG) uses Pillow's conversion: ``R = (255 - C)(255 - K) / 255``, likewise G from M and
  B from Y (Adobe's inverted CMYK JPEGs are un-inverted by Pillow when reading).
- **Transparency** (``LA``, ``RGBA``, ``PA``, a palette or greyscale transparency key) is
  composited on :data:`BACKGROUND`, white: ``round(alpha * colour + (1 - alpha) * 255)``.
  A transparent pixel is background, never black. (The Geirhos et al. 2019 stimuli are dark
  drawings on white.)
- **Greyscale and colour**: a greyscale image given to a 3-channel model is repeated in the
  three channels; a colour image given to a 1-channel model becomes Pillow's ``L``
  (ITU-R 601-2 luma: ``L = R * 299/1000 + G * 587/1000 + B * 114/1000``).
- Bilevel (``1``) images become 0 and 255.

Any other mode (e.g. 32-bit float) is an error naming the file.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from neurogrow.errors import DataError

#: The grey level that transparent pixels are composited on (white).
BACKGROUND = 255
_OUT_MODES = {1: "L", 3: "RGB"}
_SIXTEEN_BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I"}


def _composite(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 colour (H, W, C) and alpha (H, W) -> colour composited on :data:`BACKGROUND`."""
    a = alpha.astype(np.float64)[..., None] / 255.0
    out = np.rint(rgb.astype(np.float64) * a + BACKGROUND * (1.0 - a))
    return np.clip(out, 0, 255).astype(np.uint8)


def _sixteen_bit(img: Image.Image, name: str) -> np.ndarray:
    v = np.asarray(img).astype(np.int64)
    if v.size and (v.min() < 0 or v.max() > 65535):
        raise DataError(f"{name}: {img.mode} image with values {v.min()}..{v.max()}; expected 16-bit values in 0..65535")
    return np.rint(v * (255.0 / 65535.0)).astype(np.uint8)


def to_array(img: Image.Image, channels: int = 3, name: str = "image") -> np.ndarray:
    """Convert a Pillow image to a uint8 array (H, W, channels) by the rules of this module."""
    if channels not in _OUT_MODES:
        raise DataError(f"{name}: channels={channels}; expected 1 or 3")
    img = ImageOps.exif_transpose(img) or img
    mode = img.mode
    if mode in _SIXTEEN_BIT:
        img = Image.fromarray(_sixteen_bit(img, name), mode="L")
        mode = "L"
    elif mode in ("P", "PA"):
        img = img.convert("RGBA")
        mode = "RGBA"
    elif mode in ("L", "RGB") and "transparency" in img.info:  # a tRNS colour key
        img = img.convert("RGBA" if mode == "RGB" else "LA")
        mode = img.mode
    elif mode == "1":
        img = img.convert("L")
        mode = "L"
    elif mode == "CMYK":
        img = img.convert("RGB")
        mode = "RGB"
    elif mode in ("La", "RGBa"):  # premultiplied alpha
        img = img.convert("RGBA" if mode == "RGBa" else "LA")
        mode = img.mode
    if mode in ("LA", "RGBA"):
        arr = np.asarray(img)
        colour = _composite(arr[..., :-1], arr[..., -1])
        img = Image.fromarray(colour[..., 0] if mode == "LA" else colour, mode="L" if mode == "LA" else "RGB")
        mode = img.mode
    if mode not in ("L", "RGB"):
        raise DataError(
            f"{name}: image mode {mode}; expected 8- or 16-bit greyscale, palette, RGB, CMYK, with or without alpha"
        )
    out = img.convert(_OUT_MODES[channels]) if mode != _OUT_MODES[channels] else img
    arr = np.asarray(out, dtype=np.uint8)
    return arr[..., None] if arr.ndim == 2 else arr


def resize_array(arr: np.ndarray, size: int | None) -> np.ndarray:
    """``arr`` (uint8 H, W, 1 or 3) resized to ``size`` x ``size`` (bilinear); unchanged without ``size``."""
    if size is None or arr.shape[:2] == (size, size):
        return arr
    channels = arr.shape[-1]
    im = Image.fromarray(arr[..., 0] if channels == 1 else arr, mode=_OUT_MODES[channels])
    out = np.asarray(im.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)
    return out[..., None] if out.ndim == 2 else out


def pil_to_array(img: Image.Image, channels: int = 3, size: int | None = None, name: str = "image") -> np.ndarray:
    """A Pillow image as the uint8 (H, W, channels) array the model reads: :func:`to_array`, then
    resized to ``size`` x ``size`` (bilinear, after the conversion) when given.

    Refused, each with a one-line :class:`DataError`: an image of zero pixels; an animated or
    multi-page image (GIF, WebP, TIFF with several frames: which frame is the stimulus is not
    ours to guess); a closed or truncated image (Pillow cannot load its pixels).
    """
    frames = getattr(img, "n_frames", 1)
    if isinstance(frames, int) and frames > 1:
        raise DataError(f"{name}: an animated or multi-page image of {frames} frames; expected a single image (save the frame you mean)")
    try:
        img.load()
        if img.width == 0 or img.height == 0:
            raise DataError(f"{name}: an image of {img.width}x{img.height} pixels; expected at least 1 x 1 pixels")
        return resize_array(to_array(img, channels, name), size)
    except DataError:
        raise
    except (OSError, ValueError, AttributeError, SyntaxError) as exc:
        raise DataError(f"{name}: the image cannot be read ({exc}); expected an open, complete image") from None


def decode_image(data: bytes, channels: int = 3, size: int | None = None, name: str = "image") -> np.ndarray:
    """Decode the bytes of an image file (already read, e.g. to hash them) by :func:`pil_to_array`."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return pil_to_array(img, channels, size, name)
    except DataError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"{name}: not a readable image ({exc}); expected a PNG or JPEG file") from None


def read_image(path: str | Path, channels: int = 3, size: int | None = None) -> np.ndarray:
    """Read an image file as uint8 (H, W, channels), converted by :func:`to_array`, optionally
    resized to ``size`` x ``size`` (bilinear, after the conversion)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc}); expected a PNG or JPEG file") from None
    return decode_image(data, channels, size, str(path))
