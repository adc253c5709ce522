"""CIFAR-10 from the official pickled ``cifar-10-python.tar.gz``, read locally or fetched with pooch."""
from __future__ import annotations

import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from neurogrow.data.cifar10 import CIFAR10_CLASSES
from neurogrow.data.dataset import ImageDataset
from neurogrow.data.paths import default_data_root
from neurogrow.errors import DataError

CIFAR10_PYTHON_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_PYTHON_HASH = "md5:c58f30108f718f92721af3b95e74349a"
#: Environment variable naming a mirror of the tarball (its hash is still checked).
URL_VARIABLE = "NEUROGROW_CIFAR10_URL"
TARBALL_NAME = "cifar-10-python.tar.gz"
#: Folder of the data root that holds (and receives) the tarball.
FOLDER = "cifar10-python"
_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
_MEMBERS = {"train": _TRAIN_BATCHES, "test": ("test_batch",)}
_LAYOUT = "expected cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta} (pickled dicts)"


def find_cifar10_python(root: str | os.PathLike | None) -> Path | None:
    """The local ``cifar-10-python.tar.gz``: ``root`` itself, or under it (directly or in ``cifar10-python/``)."""
    if root is None:
        return None
    root = Path(root).expanduser()
    for cand in ([root] if root.is_file() else [root / TARBALL_NAME, root / FOLDER / TARBALL_NAME]):
        if cand.is_file():
            return cand
    return None


def find_or_fetch_cifar10_python(root: str | os.PathLike | None, cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the local ``cifar-10-python.tar.gz`` under ``root``, or download it there.

    Parameters
    ----------
    root : str or Path or None
        The tarball itself, or the data root holding it (directly or in ``cifar10-python/``);
        default :func:`~neurogrow.data.paths.default_data_root` (``$NEUROGROW_DATA``, else the
        platform cache folder).
    cache_dir : str or Path or None
        Download folder; default ``<data root>/cifar10-python``.

    Returns
    -------
    Path
        The tarball. A download (from :data:`CIFAR10_PYTHON_URL`, or the mirror named by
        ``$NEUROGROW_CIFAR10_URL``) is checked against :data:`CIFAR10_PYTHON_HASH`, with a progress bar.
    """
    found = find_cifar10_python(root if root is not None else default_data_root())
    if found is not None:
        return found
    import pooch

    from neurogrow.progress import is_quiet

    if cache_dir is not None:
        folder = Path(cache_dir).expanduser()
    else:
        folder = (Path(root).expanduser() if root is not None else default_data_root()) / FOLDER
    url = os.environ.get(URL_VARIABLE) or CIFAR10_PYTHON_URL
    try:
        fetched = pooch.retrieve(url=url, known_hash=CIFAR10_PYTHON_HASH, fname=TARBALL_NAME, path=folder, progressbar=not is_quiet())
    except (ValueError, OSError) as exc:
        raise DataError(
            f"cannot fetch {url} into {folder} ({' '.join(str(exc).split())}); expected a file with hash "
            f"{CIFAR10_PYTHON_HASH}. Offline: copy {TARBALL_NAME} (from {CIFAR10_PYTHON_URL}) into {folder}, "
            f"or pass --data-root DIR (set NEUROGROW_DATA=DIR) for a folder holding it"
        ) from None
    return Path(fetched)


def _read_members(tar_path: Path, wanted: tuple[str, ...]) -> dict[str, dict]:
    """Unpickle the named members (matched by base name) of the tarball."""
    out = {}
    try:
        with tarfile.open(tar_path, mode="r|gz") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base in wanted:
                    member_file = tar.extractfile(member)
                    if member_file is not None:
                        out[base] = pickle.loads(member_file.read(), encoding="bytes")
    except (tarfile.TarError, EOFError, OSError, pickle.UnpicklingError) as exc:
        raise DataError(f"{tar_path}: cannot read ({exc}); {_LAYOUT}") from None
    missing = [w for w in wanted if w not in out]
    if missing:
        raise DataError(f"{tar_path}: missing members {missing}; {_LAYOUT}")
    return out


def load_cifar10_python(split: str = "train", root: str | os.PathLike | None = None, cache_dir: str | os.PathLike | None = None) -> ImageDataset:
    """Load CIFAR-10 from the official pickled tarball.

    Parameters
    ----------
    split : {"train", "test"}
        Which split.
    root : str or Path or None
        The tarball or a folder holding it; if absent there, it is downloaded with pooch.
    cache_dir : str or Path or None
        Download folder; default ``<data root>/cifar10-python``.

    Returns
    -------
    ImageDataset
        (N, 32, 32, 3) uint8 images in the original order; ids ``"train/<i>"`` for train and
        ``"<i>"`` for test.
    """
    if split not in _MEMBERS:
        raise DataError(f"cifar10-python: split {split!r}; expected one of {tuple(_MEMBERS)}")
    images, labels = read_split(find_or_fetch_cifar10_python(root, cache_dir), split)
    n = len(labels)
    ids = [f"train/{i}" for i in range(n)] if split == "train" else [str(i) for i in range(n)]
    return ImageDataset(images=images, labels=labels, class_names=list(CIFAR10_CLASSES), ids=ids, name="cifar10-python")


def read_split(tar_path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, 32, 32, 3) uint8 images and int64 labels of ``split`` in the tarball, in the original order."""
    members = _read_members(tar_path, _MEMBERS[split] + ("batches.meta",))
    not_dicts = [k for k, v in members.items() if not isinstance(v, dict)]
    if not_dicts:
        raise DataError(f"{tar_path}: members {not_dicts} are not pickled dicts; {_LAYOUT}")
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in members["batches.meta"].get(b"label_names", [])]
    if names != list(CIFAR10_CLASSES):
        raise DataError(f"{tar_path}: batches.meta label_names {names}; expected {list(CIFAR10_CLASSES)}")
    images, label_parts = [], []
    for batch in _MEMBERS[split]:
        d = members[batch]
        data = np.asarray(d.get(b"data"))
        lab = np.asarray(d.get(b"labels"), dtype=np.int64)
        if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or lab.shape != (len(data),):
            raise DataError(
                f"{tar_path}: {batch} has data {data.dtype}{data.shape} and {lab.size} labels; "
                "expected uint8 data of shape (N, 3072) and N labels"
            )
        images.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        label_parts.append(lab)
    labels = np.concatenate(label_parts)
    if labels.size and (labels.min() < 0 or labels.max() >= len(CIFAR10_CLASSES)):
        raise DataError(f"{tar_path}: labels outside 0..{len(CIFAR10_CLASSES) - 1}")
    return np.ascontiguousarray(np.concatenate(images)), labels
