"""Images from a folder: ``DIR/<class>/<file>`` or a flat folder of unlabelled images."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from neurogrow.data.dataset import ImageDataset
from neurogrow.data.images import decode_image
from neurogrow.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_CHANNELS = (1, 3)


#: How many skipped names a message or an attribute lists before "...".
SHOW_SKIPPED = 5


def scan_folder(root: Path) -> tuple[list[Path], list[str]]:
    """Every file under ``root`` and every entry that is not read, with the reason.

    Folders are walked without following symlinked folders: one that loops back into the tree or
    points outside ``root`` would double stimuli or read foreign files, so each is skipped and
    reported. Symlinked files are read. Files other than PNG/JPEG (GIF, WebP, TIFF, SVG, no
    extension, hidden files) are reported as skipped, never silently left out.
    """
    files: list[Path] = []
    skipped: list[str] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        for d in sorted(dirs):
            if (here / d).is_symlink():
                skipped.append(f"{(here / d).relative_to(root).as_posix()}: a symlinked folder (not followed)")
        for name in sorted(names):
            f = here / name
            rel = f.relative_to(root).as_posix()
            if not f.exists():
                skipped.append(f"{rel}: a broken symlink")
            elif f.is_dir():  # a symlink to a folder is listed among the files by os.walk
                skipped.append(f"{rel}: a symlinked folder (not followed)")
            elif f.suffix.lower() not in IMAGE_SUFFIXES:
                skipped.append(f"{rel}: not a {'/'.join(s[1:].upper() for s in IMAGE_SUFFIXES)} file")
            else:
                files.append(f)
    return sorted(files), sorted(skipped)


def skipped_summary(skipped: list[str]) -> str:
    """``"3 files not read: a.gif (not a PNG/JPG/JPEG file), ..."``: a count and the first names."""
    shown = "; ".join(skipped[:SHOW_SKIPPED]) + ("; ..." if len(skipped) > SHOW_SKIPPED else "")
    return f"{len(skipped)} entries not read: {shown}"


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
    found, skipped = scan_folder(root)
    flat = [f for f in found if f.parent == root]
    class_dirs = sorted({f.relative_to(root).parts[0] for f in found if f.parent != root})
    if flat and class_dirs:
        raise DataError(
            f"{root}: holds both images and class folders with images ({class_dirs[0]}/); "
            "expected either DIR/<class>/<image> or a flat folder of images"
        )
    if flat:
        files, labels, class_names = flat, [-1] * len(flat), []
    else:
        class_names = class_dirs
        files = found
        labels = [class_dirs.index(f.relative_to(root).parts[0]) for f in files]
    if not files:
        more = f" ({skipped_summary(skipped)})" if skipped else ""
        raise DataError(f"{root}: no image files found; expected {', '.join(IMAGE_SUFFIXES)} files in DIR/<class>/ or DIR/{more}")
    if skipped:
        from neurogrow.progress import status

        status(f"{root}: {skipped_summary(skipped)}")
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
        sha256=[h for _, h in read], skipped=skipped,
    )
