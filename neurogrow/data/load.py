"""``load_dataset``: one entry point for every named dataset."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from neurogrow.data.cifar10_default import load_cifar10
from neurogrow.data.cifar10_python import load_cifar10_python
from neurogrow.data.dataset import ImageDataset, select_classes
from neurogrow.data.fashion_mnist import load_fashion_mnist
from neurogrow.data.folder import load_folder_dataset
from neurogrow.data.paths import default_data_root
from neurogrow.errors import DataError

#: Names accepted by :func:`load_dataset`.
DATASET_NAMES = ("cifar10", "cifar10-python", "fashion-mnist", "folder")


def load_dataset(
    name: str,
    split: str = "train",
    root: str | os.PathLike | None = None,
    classes=None,
    cache_dir: str | Path | None = None,
    **folder_options,
) -> ImageDataset:
    """Load a named dataset split.

    Parameters
    ----------
    name : {"cifar10", "cifar10-python", "fashion-mnist", "folder"}
        ``"cifar10"`` reads ``cifar10-jpeg/cifar10-jpeg.tar.gz`` if present, else the official
        tarball (downloaded on first use) with the same pixels (:mod:`neurogrow.data.cifar10_default`);
        ``"cifar10-python"`` reads or downloads the official pickled tarball (its raw pixels);
        ``"fashion-mnist"`` reads idx files; ``"folder"`` reads your own images from ``root``
        (:mod:`neurogrow.data.folder`: ``root/train/<class>/<image>`` and ``root/test/...``, or
        ``root/<class>/<image>`` split per class; decoded once, cached).
    split : {"train", "test"}
        Which split.
    root : str or Path, optional
        Data root (or the dataset's own folder or file); default :func:`default_data_root`
        (``$NEUROGROW_DATA``, else the platform cache folder).
    classes : int or list of str, optional
        Passed to :func:`select_classes`.
    cache_dir : str or Path, optional
        Cache (and download) folder; default ``$NEUROGROW_CACHE`` or ``~/.cache/neurogrow``.
    **folder_options
        For ``"folder"`` only: ``image_size`` (32), ``channels`` (3), ``test_fraction`` (0.2) and
        ``split_seed`` (0), as :func:`neurogrow.data.folder.folder_splits`.

    Returns
    -------
    ImageDataset
        The split, restricted to ``classes`` if given.
    """
    if folder_options and name != "folder":
        raise DataError(f"dataset {name!r}: options {', '.join(sorted(folder_options))} apply to the folder dataset only")
    if name == "folder":
        if root is None:
            raise DataError("dataset 'folder': no folder given; expected root=DIR (DIR/train/<class>/<image> and DIR/test/..., or DIR/<class>/<image>)")
        ds = load_folder_dataset(root, split, cache_dir=cache_dir, **folder_options)
    elif name == "cifar10":
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
