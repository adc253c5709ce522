"""The in-memory image dataset that every loader returns, and class selection."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurogrow.errors import DataError


@dataclass
class ImageDataset:
    """Images with integer labels and a stable stimulus id per image.

    Attributes
    ----------
    images : np.ndarray
        uint8 array of shape (N, H, W, C).
    labels : np.ndarray
        int64 array of shape (N,), indices into ``class_names`` (-1 for unlabelled images).
    class_names : list of str
        Class names in the dataset's canonical order.
    ids : list of str
        One stable stimulus id per image (used e.g. to seed occluders).
    name : str
        Dataset name, e.g. ``"cifar10"`` or ``"cifar10[cat,dog]"``.
    sha256 : list of str, optional
        For images read from files: the SHA-256 of each file's bytes as read (hex), else None.
    skipped : list of str, optional
        For an image folder: every entry not read, ``"<path>: <reason>"`` (empty when all were read).
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    ids: list[str]
    name: str
    sha256: list[str] | None = None
    skipped: list[str] | None = None

    def __post_init__(self) -> None:
        self.images = np.asarray(self.images)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.class_names = list(self.class_names)
        self.ids = list(self.ids)
        if self.images.dtype != np.uint8 or self.images.ndim != 4:
            raise DataError(
                f"dataset {self.name!r}: images have dtype {self.images.dtype} and shape "
                f"{self.images.shape}; expected uint8 of shape (N, H, W, C)"
            )
        n = self.images.shape[0]
        if self.labels.shape != (n,) or len(self.ids) != n:
            raise DataError(
                f"dataset {self.name!r}: {n} images but labels of shape {self.labels.shape} and "
                f"{len(self.ids)} ids; expected one label and one id per image"
            )

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def subset(self, indices) -> ImageDataset:
        """Return the images at ``indices`` (integer indices or a boolean mask), in that order.

        Parameters
        ----------
        indices : array-like of int or bool
            Positions to keep, or a boolean mask of length ``len(self)``.

        Returns
        -------
        ImageDataset
            A new dataset with copied arrays and the same ``class_names`` and ``name``.
        """
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (len(self),):
                raise DataError(
                    f"dataset {self.name!r}: boolean mask of shape {idx.shape}; "
                    f"expected shape ({len(self)},)"
                )
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False).reshape(-1)
        return ImageDataset(
            images=self.images[idx],
            labels=self.labels[idx],
            class_names=list(self.class_names),
            ids=[self.ids[i] for i in idx],
            name=self.name,
            sha256=None if self.sha256 is None else [self.sha256[i] for i in idx],
            skipped=self.skipped,
        )


def _base_name(name: str) -> str:
    return name.split("[", 1)[0]


def select_classes(ds: ImageDataset, classes) -> ImageDataset:
    """Keep only some classes and re-index their labels 0..k-1.

    Parameters
    ----------
    ds : ImageDataset
        A labelled dataset.
    classes : int, list of str, or str
        ``k`` keeps the first ``k`` classes in the canonical order; a list of class names keeps
        those classes (a string is split on commas; a string of digits means ``k``).

    Returns
    -------
    ImageDataset
        The images of the chosen classes in their original order, with ``class_names`` in the
        canonical order and ``name`` like ``"cifar10[cat,dog]"``. Selecting every class returns
        ``ds`` unchanged.
    """
    if not ds.class_names:
        raise DataError(f"dataset {ds.name!r} has no classes (unlabelled images); cannot select classes")
    if isinstance(classes, str):
        parts = [c.strip() for c in classes.split(",") if c.strip()]
        classes = int(parts[0]) if len(parts) == 1 and parts[0].isdigit() else parts
    n_all = len(ds.class_names)
    if isinstance(classes, (int, np.integer)) and not isinstance(classes, bool):
        k = int(classes)
        if not 1 <= k <= n_all:
            raise DataError(f"dataset {ds.name!r}: classes={k}; expected an integer from 1 to {n_all}")
        chosen = list(range(k))
    else:
        try:
            names = [str(c) for c in classes]
        except TypeError:
            raise DataError(
                f"dataset {ds.name!r}: classes={classes!r}; expected an int or a list of class names"
            ) from None
        unknown = [c for c in names if c not in ds.class_names]
        if unknown or not names or len(set(names)) != len(names):
            raise DataError(
                f"dataset {ds.name!r}: classes {names} (unknown {unknown}, or empty or repeated); "
                f"expected distinct names from {ds.class_names}"
            )
        chosen = sorted(ds.class_names.index(c) for c in names)
    if chosen == list(range(n_all)):
        return ds
    relabel = np.full(n_all, -1, dtype=np.int64)
    relabel[chosen] = np.arange(len(chosen))
    keep = np.isin(ds.labels, chosen)
    sub = ds.subset(keep)
    new_names = [ds.class_names[i] for i in chosen]
    return ImageDataset(
        images=sub.images,
        labels=relabel[sub.labels],
        class_names=new_names,
        ids=sub.ids,
        name=f"{_base_name(ds.name)}[{','.join(new_names)}]",
        sha256=sub.sha256,
        skipped=sub.skipped,
    )
