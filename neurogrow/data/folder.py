"""Your own images as a training dataset: ``data.dataset = "folder"``.

Two layouts of ``data.root``:

- ``DIR/train/<class>/<image>`` and ``DIR/test/<class>/<image>``: the splits as given;
- ``DIR/<class>/<image>``: one folder, split per class (stratified) into a test part of
  ``test_fraction`` of each class's images (rounded, at least 1, leaving at least 1 for training),
  chosen by ``split_seed`` from the class's files in name order.

Files may sit deeper inside a class folder. Every image is converted by
:mod:`neurogrow.data.images` (EXIF orientation, 16-bit, palette, CMYK, transparency on white,
greyscale or colour) and resized, the whole image, to ``image_size`` x ``image_size`` (bilinear;
the aspect ratio is not kept): the rule of ``neurogrow extract --images``, ``neurogrow.classify``
and the Brain-Score wrapper, so a model meets its stimuli as it met its training images.

Checked before anything is decoded or written (:func:`scan_layout`): train and test have the same
classes, at least 2, each with at least one image in each split. Entries that are not PNG/JPEG
files (or images outside a class folder) are skipped, counted and named on stderr. A file that
cannot be decoded is an error naming the files (all are tried first, so one message names them).

Decoded once (:func:`decoded_images`): the uint8 arrays of both splits go to one ``.npy`` file in
the package's cache, keyed by the folder's content as listed (each file's path, size and
modification time, in split order), ``image_size`` and ``channels``. Decoding streams images
into a memory-mapped file, and the cache is read back memory-mapped, so a folder larger than RAM
needs memory for neither; the splits are contiguous slices of it (train, then test).
"""
from __future__ import annotations

import hashlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurogrow.data.cache import default_cache_dir
from neurogrow.data.dataset import ImageDataset
from neurogrow.data.image_folder import SHOW_SKIPPED, scan_folder, skipped_summary
from neurogrow.data.images import decode_image
from neurogrow.errors import DataError

log = logging.getLogger(__name__)

SPLITS = ("train", "test")
#: Bump when the cached arrays' format changes, so old caches are ignored.
CACHE_VERSION = 1
_LAYOUT = "expected DIR/train/<class>/<image> and DIR/test/<class>/<image>, or DIR/<class>/<image>"
#: Images decoded per batch of the thread pool (bounds the decoded images held in memory).
_CHUNK = 512


@dataclass
class FolderLayout:
    """The images of a folder dataset, in cache order (train images, then test images).

    Attributes
    ----------
    root
        The folder.
    class_names
        Sorted class folder names.
    files
        Every image file, train split first, each split in class-then-path order.
    labels
        Class index of each file.
    n_train
        How many of ``files`` are the training split.
    skipped
        ``"<path>: <reason>"`` for every entry not read.
    split
        How the splits were made: ``"folders"`` or ``"test_fraction=0.2, split_seed=0"``.
    """

    root: Path
    class_names: list[str]
    files: list[Path]
    labels: np.ndarray
    n_train: int
    skipped: list[str]
    split: str

    def split_range(self, split: str) -> slice:
        """The positions of ``split`` in :attr:`files`."""
        return slice(0, self.n_train) if split == "train" else slice(self.n_train, len(self.files))

    def counts(self) -> dict[str, dict[str, int]]:
        """Images per class in each split: ``{"train": {"cat": 40, ...}, "test": {...}}``."""
        out = {}
        for split in SPLITS:
            per = np.bincount(self.labels[self.split_range(split)], minlength=len(self.class_names))
            out[split] = {c: int(n) for c, n in zip(self.class_names, per)}
        return out


def _classed(root: Path, found: list[Path], prefix: str, skipped: list[str]) -> dict[str, list[Path]]:
    """Files by class folder (the first folder under ``root``); files directly in ``root`` are skipped."""
    by_class: dict[str, list[Path]] = {}
    for f in found:
        parts = f.relative_to(root).parts
        if len(parts) < 2:
            skipped.append(f"{prefix}{parts[0]}: not inside a class folder")
            continue
        by_class.setdefault(parts[0], []).append(f)
    return by_class


def _stratified(by_class: dict[str, list[Path]], test_fraction: float, seed: int) -> tuple[dict, dict]:
    train, test = {}, {}
    rng = np.random.default_rng(seed)
    for c in sorted(by_class):
        files = sorted(by_class[c])
        if len(files) < 2:
            raise DataError(
                f"class {c!r} has {len(files)} image; expected at least 2 to split it into train and test (test_fraction)"
            )
        n_test = min(max(1, round(test_fraction * len(files))), len(files) - 1)
        chosen = set(rng.permutation(len(files))[:n_test].tolist())
        test[c] = [f for i, f in enumerate(files) if i in chosen]
        train[c] = [f for i, f in enumerate(files) if i not in chosen]
    return train, test


def _check_classes(root: Path, splits: dict[str, dict[str, list[Path]]]) -> list[str]:
    train, test = (set(splits[s]) for s in SPLITS)
    if train != test:
        only_train, only_test = sorted(train - test), sorted(test - train)
        raise DataError(
            f"{root}: the class folders of train and test differ (only in train: {', '.join(only_train) or 'none'}; "
            f"only in test: {', '.join(only_test) or 'none'}); expected the same classes in both"
        )
    if len(train) < 2:
        raise DataError(f"{root}: {len(train)} class folder with images ({', '.join(sorted(train)) or 'none'}); expected at least 2 classes")
    return sorted(train)


def scan_layout(root: str | os.PathLike, test_fraction: float = 0.2, split_seed: int = 0) -> FolderLayout:
    """List and check a folder dataset (see the module docstring); nothing is decoded.

    Raises
    ------
    DataError
        One line naming the folder and what is wrong: no such folder, only one of ``train/`` and
        ``test/``, different class sets, fewer than 2 classes, a class without images in a split.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: no such folder; {_LAYOUT}")
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"{root}: test_fraction={test_fraction}; expected a fraction in (0, 1)")
    has = [(root / s).is_dir() for s in SPLITS]
    skipped: list[str] = []
    if any(has):
        if not all(has):
            raise DataError(f"{root}: has {SPLITS[has.index(True)]}/ but no {SPLITS[has.index(False)]}/; {_LAYOUT}")
        splits = {}
        for s in SPLITS:
            found, skip = scan_folder(root / s)
            skipped += [f"{s}/{x}" for x in skip]
            splits[s] = _classed(root / s, found, f"{s}/", skipped)
        split = "folders"
    else:
        found, skipped = scan_folder(root)
        by_class = _classed(root, found, "", skipped)
        if len(by_class) < 2:
            _check_classes(root, dict.fromkeys(SPLITS, by_class))
        train, test = _stratified(by_class, test_fraction, split_seed)
        splits = {"train": train, "test": test}
        split = f"test_fraction={test_fraction:g}, split_seed={split_seed}"
    class_names = _check_classes(root, splits)
    files: list[Path] = []
    labels: list[int] = []
    for s in SPLITS:
        for k, c in enumerate(class_names):
            if not splits[s][c]:
                raise DataError(f"{root}: class {c!r} has no images in {s}; expected at least 1 image per class in each split")
            files += sorted(splits[s][c])
            labels += [k] * len(splits[s][c])
    n_train = sum(len(v) for v in splits["train"].values())
    return FolderLayout(root, class_names, files, np.array(labels, dtype=np.int64), n_train, sorted(skipped), split)


def content_key(layout: FolderLayout, image_size: int, channels: int) -> str:
    """A key that changes when a file is added, removed, renamed, moved between splits, or modified
    (its size or modification time), or when the decoding differs (``image_size``, ``channels``)."""
    h = hashlib.blake2b(f"v{CACHE_VERSION} {image_size} {channels}\n".encode(), digest_size=10)
    for f, lab in zip(layout.files, layout.labels):
        st = f.stat()
        h.update(f"{f.relative_to(layout.root).as_posix()}\0{lab}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    h.update(f"train={layout.n_train}".encode())
    return h.hexdigest()


def _decode_one(path: Path, image_size: int, channels: int) -> np.ndarray | str:
    """The image, or ``"<path>: <reason>"`` when it cannot be read."""
    try:
        return decode_image(path.read_bytes(), channels, image_size, str(path))
    except OSError as exc:
        return f"{path}: cannot read ({exc.strerror or exc})"
    except DataError as exc:
        return str(exc)


def _decode_into(layout: FolderLayout, out: np.ndarray, image_size: int, channels: int) -> None:
    """Decode every file into ``out`` (N, S, S, C), a few threads at a time (Pillow releases the GIL)."""
    from neurogrow.progress import progress

    bad: list[str] = []
    files = layout.files
    workers = max(1, min(8, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool, progress(total=len(files), unit="img", desc=f"decoding {layout.root.name}") as bar:
        for start in range(0, len(files), _CHUNK):
            chunk = files[start : start + _CHUNK]
            for i, arr in enumerate(pool.map(lambda f: _decode_one(f, image_size, channels), chunk)):
                if isinstance(arr, str):
                    bad.append(arr)
                else:
                    out[start + i] = arr
            bar.update(len(chunk))
    if bad:
        shown = "; ".join(bad[:SHOW_SKIPPED]) + ("; ..." if len(bad) > SHOW_SKIPPED else "")
        raise DataError(f"{layout.root}: {len(bad)} image files cannot be decoded: {shown}; expected readable PNG or JPEG files")


def decoded_images(layout: FolderLayout, image_size: int, channels: int, cache_dir: str | os.PathLike | None = None) -> np.ndarray:
    """The uint8 images (N, S, S, C) of ``layout.files``, decoded once and memory-mapped from the cache."""
    from neurogrow.outputs import atomic_path

    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    path = cache / f"folder-{layout.root.name}-{content_key(layout, image_size, channels)}.npy"
    shape = (len(layout.files), image_size, image_size, channels)
    if path.is_file():
        try:
            arr = np.load(path, mmap_mode="c")
            if arr.shape == shape and arr.dtype == np.uint8:
                return arr
            log.warning("ignoring cache %s of shape %s; expected %s", path, arr.shape, shape)
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable cache %s (%s); decoding %s again", path, exc, layout.root)
    try:
        with atomic_path(path) as tmp:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=shape)
            _decode_into(layout, out, image_size, channels)
            out.flush()
            del out
        return np.load(path, mmap_mode="c")
    except OSError as exc:  # an unwritable cache: decode into memory
        log.warning("could not write cache %s (%s); decoding into memory", path, exc)
        arr = np.empty(shape, dtype=np.uint8)
        _decode_into(layout, arr, image_size, channels)
        return arr


def folder_splits(
    root: str | os.PathLike,
    image_size: int = 32,
    channels: int = 3,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
) -> tuple[ImageDataset, ImageDataset, FolderLayout]:
    """The train and test splits of a folder dataset (see the module docstring), and its layout.

    Skipped entries are counted and named on stderr. The images are memory-mapped slices of
    the cache file; ids are paths relative to the split's folder (``cat/0001.png``) in the
    two-folder layout, relative to ``root`` in the one-folder layout.
    """
    from neurogrow.progress import status

    if channels not in (1, 3):
        raise DataError(f"folder dataset: channels={channels}; expected 1 or 3")
    if image_size < 1:
        raise DataError(f"folder dataset: image_size={image_size}; expected a positive integer")
    layout = scan_layout(root, test_fraction, split_seed)
    if layout.skipped:
        status(f"{layout.root}: {skipped_summary(layout.skipped)}")
    images = decoded_images(layout, image_size, channels, cache_dir)
    out = []
    for s in SPLITS:
        r = layout.split_range(s)
        base = layout.root / s if layout.split == "folders" else layout.root
        out.append(
            ImageDataset(
                images=images[r], labels=layout.labels[r], class_names=layout.class_names,
                ids=[f.relative_to(base).as_posix() for f in layout.files[r]], name=layout.root.name,
                skipped=layout.skipped,
            )
        )
    return out[0], out[1], layout


def load_folder_dataset(root: str | os.PathLike, split: str = "train", **options) -> ImageDataset:
    """One split of :func:`folder_splits` (``options``: ``image_size``, ``channels``,
    ``test_fraction``, ``split_seed``, ``cache_dir``)."""
    if split not in SPLITS:
        raise DataError(f"folder dataset: split {split!r}; expected one of {', '.join(SPLITS)}")
    train, test, _ = folder_splits(root, **options)
    return train if split == "train" else test


def folder_for_model(model, root: str | os.PathLike | None = None) -> tuple[str | os.PathLike, dict]:
    """The folder and :func:`folder_splits` options for running ``model`` on a folder dataset.

    Images are decoded at the model's input size and channels. For a model trained on a folder
    (its summary's ``config.data``), the split is the one it was trained with (``test_fraction``,
    ``split_seed``), and ``root`` defaults to that folder; for any other model ``root`` is required.
    """
    summary = getattr(model, "summary", None) or {}
    trained = (summary.get("config") or {}).get("data") or {}
    own = trained.get("dataset") == "folder"
    if root is None:
        root = (summary.get("data") or {}).get("root") or trained.get("root") if own else None
        if not root:
            raise DataError(
                "dataset 'folder': no folder given and the model was not trained on one; "
                "expected --data-root DIR (DIR/train/<class>/<image> and DIR/test/..., or DIR/<class>/<image>)"
            )
    options: dict[str, int | float] = {"image_size": int(model.config.image_size), "channels": int(model.config.in_channels)}
    if own:
        options.update(test_fraction=float(trained.get("test_fraction", 0.2)), split_seed=int(trained.get("split_seed", 0)))
    return root, options
