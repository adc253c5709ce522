"""The images a training run reads (``config.data``), and what the run records about them.

:func:`load_data` runs before the run folder exists, so a bad dataset (for ``folder``: different
class sets in train and test, one class, a class without images in a split, an undecodable file)
stops the run with one line and nothing written. :func:`data_summary` is what the run keeps:
``RUN_DIR/data.json`` and the model file's summary (``data``), with the images per class of
each split as trained and tested.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from neurogrow.data import ImageDataset, load_dataset, select_classes
from neurogrow.data.paths import default_data_root
from neurogrow.data.synthetic import make_synthetic
from neurogrow.errors import NeurogrowError
from neurogrow.train.config import TrainConfig

#: Classes named in the printed counts before "...".
SHOW_CLASSES = 12


def load_data(config: TrainConfig) -> tuple[ImageDataset, ImageDataset]:
    """The training and test splits named by ``config.data``."""
    d = config.data
    classes = d.classes or None
    if d.dataset == "synthetic":
        train = make_synthetic(d.synthetic_size, "train", seed=config.seed)
        test = make_synthetic(d.synthetic_size, "test", seed=config.seed)
        if classes is not None:
            train, test = select_classes(train, classes), select_classes(test, classes)
    elif d.dataset == "folder":
        from neurogrow.data.folder import folder_splits

        train, test, _ = folder_splits(d.root, d.image_size, d.channels, d.test_fraction, d.split_seed)
        if classes is not None:
            train, test = select_classes(train, classes), select_classes(test, classes)
    else:
        root = d.root or None
        train = load_dataset(d.dataset, "train", root=root, classes=classes)
        test = load_dataset(d.dataset, "test", root=root, classes=classes)
    rng = np.random.default_rng(config.seed)
    if d.train_subset and d.train_subset < len(train):
        train = train.subset(np.sort(rng.choice(len(train), d.train_subset, replace=False)))
    if d.test_subset and d.test_subset < len(test):
        test = test.subset(np.sort(rng.choice(len(test), d.test_subset, replace=False)))
    return train, test


def train_data_root(config: TrainConfig) -> Path | None:
    """The data root a run reads (None for synthetic data, or when there is none)."""
    if config.data.dataset == "synthetic":
        return None
    if config.data.root:
        return Path(config.data.root)
    try:
        return default_data_root()
    except NeurogrowError:
        return None


def class_counts(data: ImageDataset) -> dict[str, int]:
    """Images per class, in class order."""
    per = np.bincount(data.labels[data.labels >= 0], minlength=len(data.class_names))
    return {c: int(n) for c, n in zip(data.class_names, per)}


def data_summary(config: TrainConfig, train: ImageDataset, test: ImageDataset) -> dict:
    """What a run records about its images: dataset, classes, images per class in each split (as
    trained and tested, after ``data.classes`` and the subsets), and for ``folder`` the folder, how
    it was split and the entries not read."""
    d = config.data
    out: dict = {
        "dataset": d.dataset,
        "name": train.name,
        "class_names": list(train.class_names),
        "counts": {"train": class_counts(train), "test": class_counts(test)},
    }
    if d.dataset == "folder":
        from neurogrow.data.image_folder import SHOW_SKIPPED

        root = Path(d.root).expanduser()
        out["root"] = str(root.resolve())
        out["split"] = "folders" if (root / "train").is_dir() else f"test_fraction={d.test_fraction:g}, split_seed={d.split_seed}"
        out["image_size"], out["channels"] = d.image_size, d.channels
        skipped = train.skipped or []
        out["skipped"], out["skipped_first"] = len(skipped), skipped[:SHOW_SKIPPED]
    return out


def counts_line(summary: dict) -> str:
    """``"3 classes; train 120 images (a 40, b 40, c 40), test 30 images (a 10, b 10, c 10)"``."""
    parts = []
    for split in ("train", "test"):
        per = summary["counts"][split]
        shown = ", ".join(f"{c} {n}" for c, n in list(per.items())[:SHOW_CLASSES])
        more = ", ..." if len(per) > SHOW_CLASSES else ""
        parts.append(f"{split} {sum(per.values())} images ({shown}{more})")
    return f"{len(summary['class_names'])} classes; {', '.join(parts)}"
