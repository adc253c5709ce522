"""Fashion-MNIST from its idx files (plain or gzipped)."""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from neurogrow.data.dataset import ImageDataset
from neurogrow.data.paths import default_data_root
from neurogrow.errors import DataError

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
#: Where the Debian package ``dataset-fashion-mnist`` puts the idx files.
SYSTEM_DIRS = (Path("/usr/share/datasets/fashion-mnist"), Path("/usr/share/dataset-fashion-mnist"))
_PREFIX = {"train": "train", "test": "t10k"}
_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read an idx file of unsigned bytes.

    Parameters
    ----------
    path : Path
        The file, gzipped if its name ends in ``.gz``.
    magic : int
        The expected magic number (``0x803`` for images, ``0x801`` for labels).

    Returns
    -------
    np.ndarray
        uint8 array with the dimensions given in the header.
    """
    try:
        if path.suffix == ".gz":
            with gzip.open(path) as fh:
                raw = fh.read()
        else:
            raw = path.read_bytes()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({exc}); expected an idx file") from None
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    found = int.from_bytes(raw[:4], "big")
    if len(raw) < 4 or found != magic:
        raise DataError(f"{path}: magic number {found:#010x} ({len(raw)} bytes); expected {magic:#010x}")
    if len(raw) < header:
        raise DataError(f"{path}: {len(raw)} bytes; expected at least a {header}-byte idx header")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    if len(raw) != header + int(np.prod(dims)):
        raise DataError(f"{path}: {len(raw) - header} data bytes; expected {int(np.prod(dims))} for dimensions {dims}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _find(dirs: list[Path], stem: str) -> Path:
    for folder in dirs:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    raise DataError(
        f"Fashion-MNIST file {stem}[.gz] not found in {', '.join(str(d) for d in dirs)}; "
        "expected the idx files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...) there"
    )


def load_fashion_mnist(split: str = "train", root: str | os.PathLike | None = None) -> ImageDataset:
    """Load Fashion-MNIST from idx files.

    Parameters
    ----------
    split : {"train", "test"}
        Which split.
    root : str or Path or None
        Folder holding the idx files, directly or in ``fashion-mnist/``; default the data root.
        The Debian package's folder (:data:`SYSTEM_DIRS`) is searched last.

    Returns
    -------
    ImageDataset
        (N, 28, 28, 1) uint8 images; ids ``"train/<i>"`` for train and ``"<i>"`` for test.
    """
    if split not in _PREFIX:
        raise DataError(f"fashion-mnist: split {split!r}; expected one of {tuple(_PREFIX)}")
    if root is None:
        try:
            root = default_data_root()
        except DataError:
            root = None
    dirs = [] if root is None else [Path(root).expanduser(), Path(root).expanduser() / "fashion-mnist"]
    dirs += [d for d in SYSTEM_DIRS if d.is_dir()]
    prefix = _PREFIX[split]
    images_path = _find(dirs, f"{prefix}-images-idx3-ubyte")
    labels_path = _find(dirs, f"{prefix}-labels-idx1-ubyte")
    images = read_idx(images_path, _IMAGES_MAGIC)
    labels = read_idx(labels_path, _LABELS_MAGIC).astype(np.int64)
    if len(labels) != len(images):
        raise DataError(f"{labels_path}: {len(labels)} labels; expected {len(images)}, one per image in {images_path}")
    if labels.size and labels.max() >= len(FASHION_MNIST_CLASSES):
        raise DataError(f"{labels_path}: label {labels.max()}; expected labels 0..{len(FASHION_MNIST_CLASSES) - 1}")
    n = len(labels)
    ids = [f"train/{i}" for i in range(n)] if split == "train" else [str(i) for i in range(n)]
    return ImageDataset(
        images=images[..., None].copy(),
        labels=labels,
        class_names=list(FASHION_MNIST_CLASSES),
        ids=ids,
        name="fashion-mnist",
    )
