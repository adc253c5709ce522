"""CIFAR-10 from the JPEG image-folder tarball ``cifar10-jpeg.tar.gz``, decoded once and cached."""
from __future__ import annotations

import csv
import io
import logging
import os
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from neurogrow.data.cache import default_cache_dir, save_npz_atomic, source_key
from neurogrow.data.dataset import ImageDataset
from neurogrow.data.images import to_array
from neurogrow.data.paths import default_data_root
from neurogrow.errors import DataError
from neurogrow.progress import progress

log = logging.getLogger(__name__)

#: Canonical CIFAR-10 class order (labels 0..9).
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
TARBALL_NAME = "cifar10-jpeg.tar.gz"
TEST_INDEX_NAME = "test_index.csv"
SPLITS = ("train", "test")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_LAYOUT = (
    "expected a tar.gz holding train/<class>/NNNN.jpg and test/<class>/NNNN.jpg "
    f"with <class> one of {', '.join(CIFAR10_CLASSES)}"
)
#: Bump when the cached arrays' format changes, so old caches are ignored.
CACHE_VERSION = 1


def find_cifar10_tarball(root: str | os.PathLike) -> Path:
    """Locate ``cifar10-jpeg.tar.gz`` from a data root, its ``cifar10-jpeg`` folder, or the file itself.

    Parameters
    ----------
    root : str or Path
        The data root holding ``cifar10-jpeg/``, the ``cifar10-jpeg`` folder, or the tarball.

    Returns
    -------
    Path
        The tarball.
    """
    root = Path(root).expanduser()
    candidates = [root] if root.is_file() else [root / TARBALL_NAME, root / "cifar10-jpeg" / TARBALL_NAME]
    for cand in candidates:
        if cand.is_file():
            return cand
    raise DataError(
        f"CIFAR-10 JPEG tarball not found: tried {', '.join(str(c) for c in candidates)}; "
        f"expected {TARBALL_NAME} ({_LAYOUT})"
    )


def _member_place(tar_path: Path, name: str) -> tuple[str, int, str] | None:
    """Return (split, class index, normalised path) for an image member, None for a member to skip."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if len(parts) == 1 and not parts[0].lower().endswith(_IMAGE_SUFFIXES):
        return None  # a top-level README or licence file
    if len(parts) != 3 or parts[0] not in SPLITS or not parts[2].lower().endswith(_IMAGE_SUFFIXES):
        raise DataError(f"{tar_path}: unexpected member {name!r}; {_LAYOUT}")
    if parts[1] not in CIFAR10_CLASSES:
        raise DataError(f"{tar_path}: unknown class folder {parts[0]}/{parts[1]}/ in member {name!r}; {_LAYOUT}")
    return parts[0], CIFAR10_CLASSES.index(parts[1]), "/".join(parts)


def _decode_tarball(tar_path: Path) -> dict[str, np.ndarray]:
    """Stream the tarball, decode every image, and return per-split images, labels and member paths."""
    found: dict[str, list[tuple[int, str, np.ndarray]]] = {s: [] for s in SPLITS}
    shape = None
    size = tar_path.stat().st_size
    start = time.perf_counter()
    with open(tar_path, "rb") as raw, progress(
        total=size, unit="B", unit_scale=True, mininterval=0.5, desc=f"decoding {tar_path.name}"
    ) as bar:
        try:
            with tarfile.open(fileobj=raw, mode="r|gz") as tar:
                for member in tar:
                    bar.update(raw.tell() - bar.n)
                    if not member.isfile():
                        continue
                    place = _member_place(tar_path, member.name)
                    if place is None:
                        continue
                    split, label, name = place
                    member_file = tar.extractfile(member)
                    if member_file is None:
                        continue
                    data = member_file.read()
                    try:
                        with Image.open(io.BytesIO(data)) as img:
                            arr = to_array(img, 3, f"{tar_path}:{name}")
                    except OSError as exc:
                        raise DataError(f"{tar_path}: member {name!r} is not a readable image ({exc})") from None
                    if shape is None:
                        shape = arr.shape
                    elif arr.shape != shape:
                        raise DataError(
                            f"{tar_path}: member {name!r} has shape {arr.shape}; expected {shape} like the other images"
                        )
                    found[split].append((label, name, arr))
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise DataError(f"{tar_path}: cannot read as tar.gz ({exc}); {_LAYOUT}") from None
        bar.update(size - bar.n)
    missing = [s for s in SPLITS if not found[s]]
    if missing:
        raise DataError(f"{tar_path}: no images under {' or '.join(s + '/' for s in missing)}; {_LAYOUT}")
    out = {}
    for split in SPLITS:
        entries = sorted(found[split], key=lambda e: (e[0], e[1]))
        out[f"{split}_images"] = np.stack([e[2] for e in entries])
        out[f"{split}_labels"] = np.array([e[0] for e in entries], dtype=np.int64)
        out[f"{split}_paths"] = np.array([e[1] for e in entries])
    n = sum(len(v) for v in found.values())
    log.info("decoded %d images from %s in %.1f s", n, tar_path, time.perf_counter() - start)
    return out


def _cached_split(tar_path: Path, split: str, cache_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return (images, labels, member paths) of ``split`` in class-then-file order, decoding once."""
    cache_file = cache_dir / f"cifar10-jpeg-{source_key(tar_path)}-v{CACHE_VERSION}.npz"
    keys = [f"{split}_images", f"{split}_labels", f"{split}_paths"]
    if cache_file.is_file():
        try:
            with np.load(cache_file) as npz:
                images, labels, paths = (npz[k] for k in keys)
            return images, labels, [str(p) for p in paths]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("ignoring unreadable cache %s (%s); decoding %s again", cache_file, exc, tar_path)
    arrays = _decode_tarball(tar_path)
    try:
        save_npz_atomic(cache_file, arrays)
    except OSError as exc:
        log.warning("could not write cache %s (%s); continuing without it", cache_file, exc)
    return arrays[keys[0]], arrays[keys[1]], [str(p) for p in arrays[keys[2]]]


def _test_order(csv_path: Path, paths: list[str], labels: np.ndarray) -> np.ndarray:
    """Return ``order`` such that ``images[order][i]`` is the original CIFAR-10 test image ``i``."""
    position = {p: i for i, p in enumerate(paths)}
    order = np.full(len(paths), -1, dtype=np.int64)
    with open(csv_path, newline="") as f:
        reader = csv.DictReader(f)
        need = {"cifar10_test_idx", "jpeg_path"}
        if not need <= set(reader.fieldnames or ()):
            raise DataError(f"{csv_path}: columns {reader.fieldnames}; expected at least {sorted(need)}")
        for row_no, row in enumerate(reader, start=2):
            try:
                idx = int(row["cifar10_test_idx"])
            except ValueError:
                raise DataError(f"{csv_path} line {row_no}: cifar10_test_idx={row['cifar10_test_idx']!r}; expected an integer") from None
            pos = position.get(row["jpeg_path"])
            if pos is None or not 0 <= idx < len(paths) or order[idx] != -1:
                raise DataError(
                    f"{csv_path} line {row_no}: ({idx}, {row['jpeg_path']!r}); expected a unique index in "
                    f"0..{len(paths) - 1} and a test/<class>/<file> path present in the tarball"
                )
            if row.get("label", "") not in ("", str(labels[pos])):
                raise DataError(f"{csv_path} line {row_no}: label {row['label']} disagrees with the folder of {row['jpeg_path']!r}")
            order[idx] = pos
    if (order == -1).any():
        raise DataError(
            f"{csv_path}: maps {int((order != -1).sum())} test images; expected one row for each of the {len(paths)} test images"
        )
    return order


def load_cifar10_jpeg(split: str = "train", root: str | os.PathLike | None = None, cache_dir: str | os.PathLike | None = None) -> ImageDataset:
    """Load CIFAR-10 from ``cifar10-jpeg.tar.gz``, decoding it once into a cache.

    Parameters
    ----------
    split : {"train", "test"}
        Which split.
    root : str or Path
        Data root holding ``cifar10-jpeg/``, the ``cifar10-jpeg`` folder, or the tarball itself.
    cache_dir : str or Path, optional
        Where the decoded arrays are cached; default :func:`default_cache_dir`. The cache file is
        keyed by a hash of the tarball's content.

    Returns
    -------
    ImageDataset
        (N, 32, 32, 3) uint8 images. Train images are ordered by class then file, with ids the
        in-tar paths (``"train/cat/0001.jpg"``). Test images are in the original CIFAR-10 test order
        with ids ``"0"``..``"9999"`` when ``test_index.csv`` sits beside the tarball; without it
        they are ordered by class then file, with in-tar paths as ids.
    """
    if split not in SPLITS:
        raise DataError(f"cifar10: split {split!r}; expected one of {SPLITS}")
    tar_path = find_cifar10_tarball(root if root is not None else default_data_root())
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    images, labels, paths = _cached_split(tar_path, split, cache)
    ids = paths
    if split == "test":
        csv_path = tar_path.parent / TEST_INDEX_NAME
        if csv_path.is_file():
            order = _test_order(csv_path, paths, labels)
            images, labels = images[order], labels[order]
            ids = [str(i) for i in range(len(order))]
        else:
            log.warning("%s not found: CIFAR-10 test images are in class-then-file order, not the original order", csv_path)
    return ImageDataset(images=images, labels=labels, class_names=list(CIFAR10_CLASSES), ids=ids, name="cifar10")
