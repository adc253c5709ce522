"""CIFAR-10 loaders: the JPEG tarball (layout, original test order, cache) and the pickled tarball via pooch."""
import csv
import functools
import hashlib
import http.server
import io
import os
import pickle
import re
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from neurogrow.data import CIFAR10_CLASSES, cifar10_python, load_dataset
from neurogrow.errors import DataError

from conftest import SHARED_CIFAR as REAL_CIFAR

# (split, class, file number): the fill value encodes the image, so the order can be checked
TRAIN = [("train", "cat", 0), ("train", "cat", 1), ("train", "airplane", 0), ("train", "truck", 0)]
TEST = [("test", "cat", 0), ("test", "cat", 1), ("test", "ship", 0), ("test", "airplane", 0)]
# original test position -> file, deliberately not in class-then-file order
TEST_INDEX = ["test/cat/0000.jpg", "test/ship/0000.jpg", "test/cat/0001.jpg", "test/airplane/0000.jpg"]


pytestmark = pytest.mark.usefixtures("private_cache")


def fill_value(cls: str, k: int) -> int:
    return 20 + 20 * CIFAR10_CLASSES.index(cls) + 8 * k


def jpeg_bytes(value: int, size: int = 32) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (value, value, value)).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def make_tarball(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def tiny_members(entries=TRAIN + TEST) -> dict[str, bytes]:
    return {f"{s}/{c}/{k:04d}.jpg": jpeg_bytes(fill_value(c, k)) for s, c, k in entries}


def write_test_index(folder: Path, paths=TEST_INDEX) -> None:
    with open(folder / "test_index.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cifar10_test_idx", "label", "class", "jpeg_path"])
        for i, p in enumerate(paths):
            cls = p.split("/")[1]
            w.writerow([i, CIFAR10_CLASSES.index(cls), cls, p])


@pytest.fixture
def tiny_root(tmp_path):
    """A data root holding cifar10-jpeg/cifar10-jpeg.tar.gz and test_index.csv."""
    folder = tmp_path / "data" / "cifar10-jpeg"
    make_tarball(folder / "cifar10-jpeg.tar.gz", tiny_members())
    write_test_index(folder)
    return tmp_path / "data"


def means(ds) -> list[int]:
    return [round(m) for m in ds.images.reshape(len(ds), -1).mean(1)]


def test_train_split_is_ordered_by_class_then_file(tiny_root, tmp_path):
    ds = load_dataset("cifar10", "train", root=tiny_root, cache_dir=tmp_path / "c")
    assert ds.images.shape == (4, 32, 32, 3) and ds.images.dtype == np.uint8
    assert ds.ids == ["train/airplane/0000.jpg", "train/cat/0000.jpg", "train/cat/0001.jpg", "train/truck/0000.jpg"]
    assert ds.labels.tolist() == [0, 3, 3, 9] and ds.labels.dtype == np.int64
    assert ds.class_names == list(CIFAR10_CLASSES) and ds.name == "cifar10"
    expected = [fill_value("airplane", 0), fill_value("cat", 0), fill_value("cat", 1), fill_value("truck", 0)]
    assert np.allclose(means(ds), expected, atol=3)


def test_test_split_comes_out_in_original_order(tiny_root, tmp_path):
    ds = load_dataset("cifar10", "test", root=tiny_root, cache_dir=tmp_path / "c")
    assert ds.ids == ["0", "1", "2", "3"]
    assert ds.labels.tolist() == [3, 8, 3, 0]
    expected = [fill_value(p.split("/")[1], int(p[-8:-4])) for p in TEST_INDEX]
    assert np.allclose(means(ds), expected, atol=3)


def test_root_may_be_the_folder_or_the_tarball(tiny_root, tmp_path):
    folder = tiny_root / "cifar10-jpeg"
    a = load_dataset("cifar10", "test", root=folder, cache_dir=tmp_path / "c")
    b = load_dataset("cifar10", "test", root=folder / "cifar10-jpeg.tar.gz", cache_dir=tmp_path / "c")
    assert a.ids == b.ids == ["0", "1", "2", "3"] and np.array_equal(a.images, b.images)


def test_default_root_comes_from_environment(tiny_root, monkeypatch):
    monkeypatch.setenv("NEUROGROW_DATA", str(tiny_root))
    assert len(load_dataset("cifar10", "train")) == 4


def test_without_test_index_the_test_split_keeps_file_order(tmp_path):
    tar = make_tarball(tmp_path / "cifar10-jpeg.tar.gz", tiny_members())
    ds = load_dataset("cifar10", "test", root=tar, cache_dir=tmp_path / "c")
    assert ds.ids == ["test/airplane/0000.jpg", "test/cat/0000.jpg", "test/cat/0001.jpg", "test/ship/0000.jpg"]


def test_classes_argument_selects_and_relabels(tiny_root, tmp_path):
    ds = load_dataset("cifar10", "test", root=tiny_root, classes=["ship", "cat"], cache_dir=tmp_path / "c")
    assert ds.class_names == ["cat", "ship"] and ds.name == "cifar10[cat,ship]"
    assert ds.ids == ["0", "1", "2"] and ds.labels.tolist() == [0, 1, 0]


def test_missing_tarball_names_the_paths_tried(tmp_path, local_server, monkeypatch):
    """Neither tarball under the root and the download fails (the mirror lacks it): both paths and the way offline."""
    monkeypatch.setenv("NEUROGROW_CIFAR10_URL", f"{local_server[1]}/cifar-10-python.tar.gz")
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "cifar10-jpeg" / "cifar10-jpeg.tar.gz"))) as info:
        load_dataset("cifar10", root=tmp_path, cache_dir=tmp_path / "c")
    assert str(tmp_path / "cifar10-python" / "cifar-10-python.tar.gz") in str(info.value)
    assert "Offline: copy cifar-10-python.tar.gz" in str(info.value)


@pytest.mark.parametrize(
    "members, complaint",
    [
        (tiny_members(TRAIN), "no images under test/"),
        (tiny_members(TEST), "no images under train/"),
        ({**tiny_members(), "train/unicorn/0000.jpg": jpeg_bytes(9)}, "unknown class folder train/unicorn/"),
        ({**tiny_members(), "val/cat/0000.jpg": jpeg_bytes(9)}, "unexpected member 'val/cat/0000.jpg'"),
        ({**tiny_members(), "train/cat/0009.jpg": b"not a jpeg"}, "'train/cat/0009.jpg' is not a readable image"),
    ],
)
def test_wrong_layout_raises_data_error(tmp_path, members, complaint):
    tar = make_tarball(tmp_path / "cifar10-jpeg.tar.gz", members)
    with pytest.raises(DataError) as err:
        load_dataset("cifar10", root=tar, cache_dir=tmp_path / "c")
    msg = str(err.value)
    assert complaint in msg and str(tar) in msg and "\n" not in msg


def test_readme_at_top_level_is_ignored(tmp_path):
    tar = make_tarball(tmp_path / "cifar10-jpeg.tar.gz", {"README.md": b"hi", **tiny_members()})
    assert len(load_dataset("cifar10", root=tar, cache_dir=tmp_path / "c")) == 4


def test_images_of_another_size_are_rejected(tmp_path):
    tar = make_tarball(tmp_path / "cifar10-jpeg.tar.gz", {**tiny_members(), "train/dog/0000.jpg": jpeg_bytes(50, 16)})
    with pytest.raises(DataError, match=r"train/dog/0000.jpg' has shape"):
        load_dataset("cifar10", root=tar, cache_dir=tmp_path / "c")


def test_not_a_tarball_raises_data_error(tmp_path):
    bad = tmp_path / "cifar10-jpeg.tar.gz"
    bad.write_bytes(b"this is not gzip data at all")
    with pytest.raises(DataError, match=re.escape(str(bad)) + ".*expected a tar.gz"):
        load_dataset("cifar10", root=bad, cache_dir=tmp_path / "c")


def test_test_index_that_does_not_match_the_tarball_is_rejected(tiny_root, tmp_path):
    folder = tiny_root / "cifar10-jpeg"
    write_test_index(folder, TEST_INDEX[:3] + ["test/dog/0000.jpg"])
    with pytest.raises(DataError, match=re.escape(str(folder / "test_index.csv")) + " line 5"):
        load_dataset("cifar10", "test", root=tiny_root, cache_dir=tmp_path / "c")
    write_test_index(folder, TEST_INDEX[:3])
    with pytest.raises(DataError, match="maps 3 test images; expected one row for each of the 4"):
        load_dataset("cifar10", "test", root=tiny_root, cache_dir=tmp_path / "c")


@pytest.fixture
def count_tar_opens(monkeypatch):
    """Record every opening of a tarball for reading."""
    calls = []
    real_open = tarfile.open

    def counting_open(*args, **kwargs):
        mode = kwargs.get("mode", args[1] if len(args) > 1 else "r")
        if mode.startswith("r"):
            calls.append(mode)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(tarfile, "open", counting_open)
    return calls


def test_cache_is_written_once_and_reused(tiny_root, tmp_path, count_tar_opens, monkeypatch):
    cache = tmp_path / "c"
    first = load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)
    assert len(count_tar_opens) == 1
    assert len(list(cache.glob("*.npz"))) == 1 and not list(cache.glob("*.tmp"))

    def boom(*args, **kwargs):
        raise AssertionError("the tarball was opened again despite the cache")

    monkeypatch.setattr(tarfile, "open", boom)
    again = load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)
    test = load_dataset("cifar10", "test", root=tiny_root, cache_dir=cache)
    assert np.array_equal(first.images, again.images) and first.ids == again.ids
    assert test.ids == ["0", "1", "2", "3"]


def test_cache_defaults_to_neurogrow_cache(tiny_root, tmp_path):
    load_dataset("cifar10", "train", root=tiny_root)
    assert len(list((tmp_path / "default-cache").glob("cifar10-jpeg-*.npz"))) == 1


def test_changed_tarball_invalidates_the_cache(tiny_root, tmp_path, count_tar_opens):
    cache = tmp_path / "c"
    tar = tiny_root / "cifar10-jpeg" / "cifar10-jpeg.tar.gz"
    assert len(load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)) == 4
    make_tarball(tar, tiny_members(TRAIN[:2] + TEST))
    ds = load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)
    assert len(count_tar_opens) == 2
    assert ds.ids == ["train/cat/0000.jpg", "train/cat/0001.jpg"]


def test_tarball_with_swapped_images_invalidates_the_cache(tiny_root, tmp_path, count_tar_opens):
    cache = tmp_path / "c"
    tar = tiny_root / "cifar10-jpeg" / "cifar10-jpeg.tar.gz"
    before = load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)
    members = tiny_members()
    members["train/cat/0000.jpg"], members["train/cat/0001.jpg"] = members["train/cat/0001.jpg"], members["train/cat/0000.jpg"]
    make_tarball(tar, members)
    after = load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)
    assert len(count_tar_opens) == 2
    assert np.array_equal(after.images[1], before.images[2]) and np.array_equal(after.images[2], before.images[1])


def test_copied_or_touched_tarball_reuses_the_cache(tiny_root, tmp_path, count_tar_opens):
    cache = tmp_path / "c"
    tar = tiny_root / "cifar10-jpeg" / "cifar10-jpeg.tar.gz"
    load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)
    copy = tmp_path / "copy" / "cifar10-jpeg.tar.gz"
    copy.parent.mkdir()
    copy.write_bytes(tar.read_bytes())
    os.utime(tar, ns=(0, tar.stat().st_mtime_ns + 10**9))
    assert len(load_dataset("cifar10", "train", root=copy, cache_dir=cache)) == 4
    assert len(load_dataset("cifar10", "train", root=tar, cache_dir=cache)) == 4
    assert len(count_tar_opens) == 1


def test_corrupt_cache_is_rebuilt(tiny_root, tmp_path, count_tar_opens):
    cache = tmp_path / "c"
    load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)
    (cache_file,) = cache.glob("*.npz")
    cache_file.write_bytes(b"garbage")
    assert len(load_dataset("cifar10", "train", root=tiny_root, cache_dir=cache)) == 4
    assert len(count_tar_opens) == 2


# ---------------------------------------------------------------- cifar-10-python via pooch

def python_tarball(path: Path, n_per_batch: int = 2, n_test: int = 3, seed: int = 0):
    """Write a small tarball in the official pickled format; return (train images, train labels, test images, test labels)."""
    rng = np.random.default_rng(seed)
    parts = {}

    def batch(n):
        images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, n)
        data = {b"data": images.transpose(0, 3, 1, 2).reshape(n, 3072), b"labels": labels.tolist()}
        return images, labels, pickle.dumps(data, protocol=2)

    train_images, train_labels = [], []
    for i in range(1, 6):
        im, lab, parts[f"data_batch_{i}"] = batch(n_per_batch)
        train_images.append(im)
        train_labels.append(lab)
    test_images, test_labels, parts["test_batch"] = batch(n_test)
    parts["batches.meta"] = pickle.dumps({b"label_names": [c.encode() for c in CIFAR10_CLASSES]}, protocol=2)
    make_tarball(path, {f"cifar-10-batches-py/{k}": v for k, v in parts.items()})
    return np.concatenate(train_images), np.concatenate(train_labels), test_images, test_labels


def test_local_python_tarball_is_read_in_original_order(tmp_path):
    train_x, train_y, test_x, test_y = python_tarball(tmp_path / "cifar-10-python.tar.gz")
    train = load_dataset("cifar10-python", "train", root=tmp_path, cache_dir=tmp_path / "c")
    test = load_dataset("cifar10-python", "test", root=tmp_path, cache_dir=tmp_path / "c")
    assert np.array_equal(train.images, train_x) and np.array_equal(train.labels, train_y)
    assert np.array_equal(test.images, test_x) and np.array_equal(test.labels, test_y)
    assert train.ids[:2] == ["train/0", "train/1"] and test.ids == ["0", "1", "2"]
    assert train.name == "cifar10-python" and train.class_names == list(CIFAR10_CLASSES)


def test_python_tarball_missing_a_batch_is_rejected(tmp_path):
    tar = make_tarball(tmp_path / "cifar-10-python.tar.gz", {"cifar-10-batches-py/test_batch": pickle.dumps({})})
    with pytest.raises(DataError, match=re.escape(str(tar)) + ": missing members"):
        load_dataset("cifar10-python", "train", root=tmp_path, cache_dir=tmp_path / "c")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def local_server(tmp_path):
    """Serve tmp_path/served on 127.0.0.1; yields (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_python_tarball_is_downloaded_with_pooch_and_hash_checked(tmp_path, local_server, monkeypatch):
    folder, url = local_server
    train_x, train_y, _, _ = python_tarball(folder / "cifar-10-python.tar.gz")
    md5 = hashlib.md5((folder / "cifar-10-python.tar.gz").read_bytes()).hexdigest()
    monkeypatch.setattr(cifar10_python, "CIFAR10_PYTHON_URL", f"{url}/cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar10_python, "CIFAR10_PYTHON_HASH", f"md5:{md5}")
    empty_root = tmp_path / "empty"
    empty_root.mkdir()
    ds = load_dataset("cifar10-python", "train", root=empty_root, cache_dir=tmp_path / "dl")
    assert np.array_equal(ds.images, train_x) and np.array_equal(ds.labels, train_y)
    assert (tmp_path / "dl" / "cifar-10-python.tar.gz").is_file()


def test_python_tarball_with_wrong_hash_raises_data_error(tmp_path, local_server, monkeypatch):
    folder, url = local_server
    python_tarball(folder / "cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar10_python, "CIFAR10_PYTHON_URL", f"{url}/cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar10_python, "CIFAR10_PYTHON_HASH", "md5:" + "0" * 32)
    empty_root = tmp_path / "empty"
    empty_root.mkdir()
    with pytest.raises(DataError, match=r"cannot fetch .*cifar-10-python.tar.gz.*expected a file with hash md5:0000"):
        load_dataset("cifar10-python", "train", root=empty_root, cache_dir=tmp_path / "dl")
    assert not (tmp_path / "dl" / "cifar-10-python.tar.gz").exists()


def test_official_url_and_hash_are_the_published_ones():
    assert cifar10_python.CIFAR10_PYTHON_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert cifar10_python.CIFAR10_PYTHON_HASH == "md5:c58f30108f718f92721af3b95e74349a"


# ---------------------------------------------------------------- the real data

@pytest.mark.slow
def test_real_cifar10_test_split_matches_published_labels(tmp_path):
    if not (REAL_CIFAR / "cifar10-jpeg.tar.gz").is_file():
        pytest.skip(f"real CIFAR-10 JPEG data not found at {REAL_CIFAR}")
    ds = load_dataset("cifar10", "test", root=REAL_CIFAR, cache_dir=tmp_path / "c")
    labels = np.load(REAL_CIFAR / "cifar10_test_labels.npy")
    assert ds.images.shape == (10000, 32, 32, 3)
    assert ds.ids[:3] == ["0", "1", "2"] and ds.ids[-1] == "9999"
    assert np.array_equal(ds.labels, labels)
