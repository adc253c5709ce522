"""ImageDataset, select_classes, the data root, Fashion-MNIST idx files, image folders and tensor conversion."""
import gzip
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from neurogrow.data import (
    CIFAR10_CLASSES,
    FASHION_MNIST_CLASSES,
    ImageDataset,
    default_data_root,
    fashion_mnist,
    load_dataset,
    load_image_folder,
    paths,
    select_classes,
)
from neurogrow.errors import DataError


@pytest.fixture(autouse=True)
def _isolated(private_cache, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", ())


def toy_dataset(labels, name="cifar10") -> ImageDataset:
    n = len(labels)
    images = np.arange(n, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 3), np.uint8)
    return ImageDataset(images, np.array(labels), list(CIFAR10_CLASSES), [f"id{i}" for i in range(n)], name)


# ---------------------------------------------------------------- ImageDataset and select_classes

def test_dataset_validates_shapes():
    with pytest.raises(DataError, match="expected one label and one id per image"):
        ImageDataset(np.zeros((3, 2, 2, 1), np.uint8), np.zeros(2), [], ["a", "b", "c"], "x")
    with pytest.raises(DataError, match="expected uint8 of shape"):
        ImageDataset(np.zeros((3, 2, 2), np.uint8), np.zeros(3), [], ["a", "b", "c"], "x")


def test_subset_keeps_images_labels_and_ids_together():
    ds = toy_dataset([5, 3, 9, 3])
    sub = ds.subset([2, 0])
    assert len(sub) == 2 and sub.ids == ["id2", "id0"] and sub.labels.tolist() == [9, 5]
    assert sub.images[:, 0, 0, 0].tolist() == [2, 0] and sub.labels.dtype == np.int64
    assert ds.subset(np.array([False, True, False, True])).ids == ["id1", "id3"]


def test_select_classes_by_name_relabels_in_canonical_order():
    ds = toy_dataset([5, 3, 9, 3, 0, 5])
    sub = select_classes(ds, ["dog", "cat"])
    assert sub.class_names == ["cat", "dog"]
    assert sub.ids == ["id0", "id1", "id3", "id5"]
    assert sub.labels.tolist() == [1, 0, 0, 1]
    assert sub.name == "cifar10[cat,dog]"


def test_select_classes_by_count_takes_the_first_k():
    ds = toy_dataset([5, 3, 9, 1, 0, 2])
    sub = select_classes(ds, 3)
    assert sub.class_names == ["airplane", "automobile", "bird"]
    assert sub.ids == ["id3", "id4", "id5"] and sub.labels.tolist() == [1, 0, 2]
    assert select_classes(ds, "cat,dog").class_names == ["cat", "dog"]
    assert select_classes(ds, "2").class_names == ["airplane", "automobile"]


def test_select_classes_twice_names_the_final_subset():
    ds = select_classes(select_classes(toy_dataset([5, 3, 9, 3]), ["dog", "cat", "truck"]), ["truck"])
    assert ds.name == "cifar10[truck]" and ds.labels.tolist() == [0]


def test_select_all_classes_returns_the_dataset():
    ds = toy_dataset([1, 2])
    assert select_classes(ds, 10) is ds


@pytest.mark.parametrize("classes", [0, 11, ["cat", "unicorn"], ["cat", "cat"], []])
def test_select_classes_rejects_bad_requests(classes):
    with pytest.raises(DataError, match="'cifar10'"):
        select_classes(toy_dataset([1, 2]), classes)


# ---------------------------------------------------------------- data root and dataset names

def test_default_data_root_prefers_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROGROW_DATA", str(tmp_path))
    assert default_data_root() == tmp_path
    monkeypatch.setenv("NEUROGROW_DATA", str(tmp_path / "missing"))
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "missing"))):
        default_data_root()


def test_default_data_root_is_the_platform_cache_folder(tmp_path, monkeypatch):
    """Without NEUROGROW_DATA: the platform cache folder (XDG on Linux), never a folder outside the user's."""
    monkeypatch.delenv("NEUROGROW_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = default_data_root()
    assert root == paths.platform_data_root()
    if sys.platform.startswith("linux"):
        assert root == tmp_path / "xdg" / "neurogrow"


def test_unknown_dataset_and_split_are_rejected(tmp_path):
    with pytest.raises(DataError, match="unknown dataset 'mnist'; expected one of cifar10"):
        load_dataset("mnist", root=tmp_path)
    with pytest.raises(DataError, match="split 'val'"):
        load_dataset("fashion-mnist", "val", root=tmp_path)


# ---------------------------------------------------------------- Fashion-MNIST

def write_idx(path: Path, array: np.ndarray, magic: int | None = None) -> None:
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 | array.ndim if magic is None else magic
    raw = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)


def fmnist_files(folder: Path, split: str, n: int, gz: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    prefix = "train" if split == "train" else "t10k"
    ext = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels)
    return images, labels


def test_fashion_mnist_reads_plain_and_gzipped_idx(tmp_path):
    train_x, train_y = fmnist_files(tmp_path / "fashion-mnist", "train", 5, gz=True)
    test_x, _test_y = fmnist_files(tmp_path, "test", 3, gz=False, seed=1)
    train = load_dataset("fashion-mnist", "train", root=tmp_path)
    test = load_dataset("fashion-mnist", "test", root=tmp_path)
    assert train.images.shape == (5, 28, 28, 1) and np.array_equal(train.images[..., 0], train_x)
    assert np.array_equal(train.labels, train_y) and train.labels.dtype == np.int64
    assert np.array_equal(test.images[..., 0], test_x) and test.ids == ["0", "1", "2"]
    assert train.ids[0] == "train/0" and train.name == "fashion-mnist"
    assert train.class_names == list(FASHION_MNIST_CLASSES) and train.class_names[0] == "T-shirt/top"


def test_fashion_mnist_from_system_folder(tmp_path, monkeypatch):
    fmnist_files(tmp_path / "system", "test", 2, gz=True)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", (tmp_path / "system",))
    assert len(load_dataset("fashion-mnist", "test", root=tmp_path / "elsewhere")) == 2


def test_fashion_mnist_missing_files_name_the_folders(tmp_path):
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "fashion-mnist")) + ".*expected the idx files"):
        load_dataset("fashion-mnist", root=tmp_path)


def test_fashion_mnist_bad_magic_number(tmp_path):
    fmnist_files(tmp_path, "train", 4, gz=False)
    bad = tmp_path / "train-images-idx3-ubyte"
    write_idx(bad, np.zeros((4, 28, 28)), magic=0x0801)
    with pytest.raises(DataError, match=re.escape(str(bad)) + ": magic number 0x00000801.*expected 0x00000803"):
        load_dataset("fashion-mnist", root=tmp_path)


def test_fashion_mnist_size_mismatches(tmp_path):
    fmnist_files(tmp_path, "train", 4, gz=False)
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(DataError, match=re.escape(str(images)) + ": 3126 data bytes; expected 3136"):
        load_dataset("fashion-mnist", root=tmp_path)
    fmnist_files(tmp_path, "train", 4, gz=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(3))
    with pytest.raises(DataError, match="3 labels; expected 4"):
        load_dataset("fashion-mnist", root=tmp_path)


# ---------------------------------------------------------------- image folders

def save_image(path: Path, value: int, size=(8, 8), mode="RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value if mode == "L" else (value, value, value)).save(path)


def test_image_folder_with_class_folders(tmp_path):
    save_image(tmp_path / "stim" / "dog" / "b.png", 10)
    save_image(tmp_path / "stim" / "dog" / "a.png", 20)
    save_image(tmp_path / "stim" / "cat" / "sub" / "z.png", 30)
    (tmp_path / "stim" / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "stim" / "empty").mkdir()
    ds = load_image_folder(tmp_path / "stim")
    assert ds.class_names == ["cat", "dog"] and ds.name == "stim"
    assert ds.ids == ["cat/sub/z.png", "dog/a.png", "dog/b.png"]
    assert ds.labels.tolist() == [0, 1, 1]
    assert ds.images.shape == (3, 8, 8, 3) and ds.images[:, 0, 0, 0].tolist() == [30, 20, 10]


def test_flat_image_folder_is_unlabelled(tmp_path):
    save_image(tmp_path / "b.jpg", 100)
    save_image(tmp_path / "a.png", 50, mode="L")
    ds = load_image_folder(tmp_path, channels=1)
    assert ds.ids == ["a.png", "b.jpg"] and ds.labels.tolist() == [-1, -1] and ds.class_names == []
    assert ds.images.shape == (2, 8, 8, 1) and abs(int(ds.images[1, 4, 4, 0]) - 100) <= 2


def test_image_folder_resizes_and_requires_one_size(tmp_path):
    save_image(tmp_path / "a" / "x.png", 10, size=(8, 8))
    save_image(tmp_path / "b" / "y.png", 10, size=(16, 12))
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "b" / "y.png")) + ".*pass size= to resize"):
        load_image_folder(tmp_path)
    assert load_image_folder(tmp_path, size=4).images.shape == (2, 4, 4, 3)


def test_image_folder_errors(tmp_path):
    with pytest.raises(DataError, match=re.escape(str(tmp_path)) + ": no image files found"):
        load_image_folder(tmp_path)
    with pytest.raises(DataError, match="no such folder"):
        load_image_folder(tmp_path / "missing")
    save_image(tmp_path / "x.png", 1)
    save_image(tmp_path / "cls" / "y.png", 1)
    with pytest.raises(DataError, match="holds both images and class folders"):
        load_image_folder(tmp_path)


