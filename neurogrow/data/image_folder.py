"""Images from a folder: ``DIR/<class>/<file>`` or a flat folder of unlabelled images."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from neurogrow.data.dataset import ImageDataset
from neurogrow.data.images import decode_image
from neurogrow.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_CHANNELS = (1, 3)


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``: the stimulus identity neurogrow records and checks."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    try:
        return sha256_bytes(Path(path).read_bytes())
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc}); expected a readable image file") from None


def _read(path: Path, channels: int, size: int | None) -> tuple[np.ndarray, str]:
    """The image as a uint8 (H, W, C) array (conversions: :mod:`neurogrow.data.images`), and the
    SHA-256 of the file's bytes as read (read once, hashed and decoded)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc}); expected a PNG or JPEG file") from None
    return decode_image(data, channels, size, str(path)), sha256_bytes(data)


def load_image_folder(path: str | Path, size: int | None = None, channels: int = 3) -> ImageDataset:
    """Load every PNG/JPEG image of a folder.

    Parameters
    ----------
    path : str or Path
        Either ``DIR/<class>/<file>.png|jpg|jpeg`` (files may sit deeper inside a class folder;
        classes are the sorted folder names) or a flat folder of images (labels -1, no classes).
    size : int, optional
        Resize every image to ``size`` x ``size`` (bilinear). Without it all images must share one size.
    channels : {3, 1}
        RGB or greyscale.

    Returns
    -------
    ImageDataset
        Images sorted by id, where ids are paths relative to ``path`` with ``/`` separators;
        ``name`` is the folder's name; ``sha256`` the SHA-256 of each file's bytes as read.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: no such folder; expected DIR/<class>/<image> or a folder of images")
    if channels not in _CHANNELS:
        raise DataError(f"load_image_folder({root}): channels={channels}; expected 1 or 3")
    if size is not None and size < 1:
        raise DataError(f"load_image_folder({root}): size={size}; expected a positive integer")
    flat = sorted(p for p in root.iterdir() if _is_image(p))
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and any(_is_image(f) for f in p.rglob("*")))
    if flat and class_dirs:
        raise DataError(
            f"{root}: holds both images and class folders with images ({class_dirs[0].name}/); "
            "expected either DIR/<class>/<image> or a flat folder of images"
        )
    if flat:
        files, labels, class_names = flat, [-1] * len(flat), []
    else:
        class_names = [d.name for d in class_dirs]
        entries = sorted((f, c) for c, d in enumerate(class_dirs) for f in d.rglob("*") if _is_image(f))
        files, labels = [f for f, _ in entries], [c for _, c in entries]
    if not files:
        raise DataError(f"{root}: no image files found; expected {', '.join(IMAGE_SUFFIXES)} files in DIR/<class>/ or DIR/")
    read = [_read(f, channels, size) for f in files]
    arrays = [a for a, _ in read]
    for f, a in zip(files, arrays):
        if a.shape != arrays[0].shape:
            raise DataError(
                f"{f}: size {a.shape[1]}x{a.shape[0]}; expected {arrays[0].shape[1]}x{arrays[0].shape[0]} "
                f"like {files[0]}, or pass size= to resize"
            )
    ids = [f.relative_to(root).as_posix() for f in files]
    return ImageDataset(
        images=np.stack(arrays), labels=np.array(labels, dtype=np.int64), class_names=class_names, ids=ids, name=root.name,
        sha256=[h for _, h in read],
    )
