"""``load_dataset``: one entry point for every named dataset."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from neurogrow.data.cifar10_default import load_cifar10
from neurogrow.data.cifar10_python import load_cifar10_python
from neurogrow.data.dataset import ImageDataset, select_classes
from neurogrow.data.fashion_mnist import load_fashion_mnist
from neurogrow.data.paths import default_data_root
from neurogrow.errors import DataError

#: Names accepted by :func:`load_dataset`.
DATASET_NAMES = ("cifar10", "cifar10-python", "fashion-mnist")


def load_dataset(
    name: str,
    split: str = "train",
    root: str | os.PathLike | None = None,
    classes=None,
    cache_dir: str | Path | None = None,
) -> ImageDataset:
    """Load a named dataset split.

    Parameters
    ----------
    name : {"cifar10", "cifar10-python", "fashion-mnist"}
        ``"cifar10"`` reads ``cifar10-jpeg/cifar10-jpeg.tar.gz`` if present, else the official
        tarball (downloaded on first use) with the same pixels (:mod:`neurogrow.data.cifar10_default`);
        ``"cifar10-python"`` reads or downloads the official pickled tarball (its raw pixels);
        ``"fashion-mnist"`` reads idx files.
    split : {"train", "test"}
        Which split.
    root : str or Path, optional
        Data root (or the dataset's own folder or file); default :func:`default_data_root`
        (``$NEUROGROW_DATA``, else the platform cache folder).
    classes : int or list of str, optional
        Passed to :func:`select_classes`.
    cache_dir : str or Path, optional
        Cache (and download) folder; default ``$NEUROGROW_CACHE`` or ``~/.cache/neurogrow``.

    Returns
    -------
    ImageDataset
        The split, restricted to ``classes`` if given.
    """
    if name == "cifar10":
        ds = load_cifar10(split, root, cache_dir)
    elif name == "cifar10-python":
        if root is None:
            with contextlib.suppress(DataError):
                root = default_data_root()
        ds = load_cifar10_python(split, root, cache_dir)
    elif name == "fashion-mnist":
        ds = load_fashion_mnist(split, root)
    else:
        raise DataError(f"unknown dataset {name!r}; expected one of {', '.join(DATASET_NAMES)}")
    return ds if classes is None else select_classes(ds, classes)
