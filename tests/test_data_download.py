"""The default dataset ``cifar10`` can be obtained: downloaded on first use (from a local mirror here,
never skipped), and the downloaded official tarball gives the JPEG tarball's pixels, labels, order and ids."""
import csv
import hashlib
import io

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin
from test_data_cifar10 import local_server, make_tarball, python_tarball  # noqa: F401 (fixture)

from neurogrow.cli import main
from neurogrow.data import CIFAR10_CLASSES, cifar10_python, load_dataset
from neurogrow.data.cifar10_default import JPEG_QUALITY, jpeg_round_trip

from conftest import SHARED_CIFAR

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture
def mirror(tmp_path, local_server, monkeypatch):  # noqa: F811
    """A local HTTP mirror of a small official-layout tarball, named by NEUROGROW_CIFAR10_URL; yields its arrays."""
    folder, url = local_server
    arrays = python_tarball(folder / "cifar-10-python.tar.gz", n_per_batch=4, n_test=5)
    md5 = hashlib.md5((folder / "cifar-10-python.tar.gz").read_bytes()).hexdigest()
    monkeypatch.setenv("NEUROGROW_CIFAR10_URL", f"{url}/cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar10_python, "CIFAR10_PYTHON_HASH", f"md5:{md5}")
    return folder, arrays


def test_cifar10_is_downloaded_into_neurogrow_data_on_first_use(tmp_path, mirror, monkeypatch):
    folder, (_, train_y, test_x, test_y) = mirror
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("NEUROGROW_DATA", str(data))
    test = load_dataset("cifar10", "test")
    assert (data / "cifar10-python" / "cifar-10-python.tar.gz").is_file()
    assert test.name == "cifar10" and test.ids == ["0", "1", "2", "3", "4"]
    assert np.array_equal(test.labels, test_y)
    assert np.array_equal(test.images, np.stack([jpeg_round_trip(x) for x in test_x]))
    (folder / "cifar-10-python.tar.gz").unlink()  # the mirror is gone: the downloaded file is used
    train = load_dataset("cifar10", "train")
    assert len(train) == len(train_y) and sorted(train.labels.tolist()) == sorted(train_y.tolist())


def test_a_download_with_the_wrong_hash_is_refused(tmp_path, mirror, monkeypatch):
    monkeypatch.setattr(cifar10_python, "CIFAR10_PYTHON_HASH", "md5:" + "0" * 32)
    with pytest.raises(Exception, match=r"download of the official tarball failed.*hash"):
        load_dataset("cifar10", "test", root=tmp_path)
    assert not (tmp_path / "cifar10-python" / "cifar-10-python.tar.gz").exists()


def _jpeg_variant(root, train_x, train_y, test_x, test_y):
    """The JPEG tarball as it was made: each image saved by PIL with its defaults, k-th image of a class as k.jpg."""
    members, index = {}, []
    for split, xs, ys in (("train", train_x, train_y), ("test", test_x, test_y)):
        counts = dict.fromkeys(range(10), 0)
        for i, (x, y) in enumerate(zip(xs, ys)):
            buf = io.BytesIO()
            Image.fromarray(x).save(buf, format="JPEG")
            name = f"{split}/{CIFAR10_CLASSES[y]}/{counts[int(y)]:04d}.jpg"
            counts[int(y)] += 1
            members[name] = buf.getvalue()
            if split == "test":
                index.append((i, int(y), CIFAR10_CLASSES[y], name))
    make_tarball(root / "cifar10-jpeg" / "cifar10-jpeg.tar.gz", members)
    with open(root / "cifar10-jpeg" / "test_index.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cifar10_test_idx", "label", "class", "jpeg_path"])
        w.writerows(index)


@pytest.mark.parametrize("split", ["train", "test"])
def test_both_variants_give_the_same_pixels_labels_order_and_ids(tmp_path, split):
    official = tmp_path / "official"
    arrays = python_tarball(official / "cifar10-python" / "cifar-10-python.tar.gz", n_per_batch=6, n_test=8, seed=3)
    jpeg_root = tmp_path / "jpeg"
    _jpeg_variant(jpeg_root, *arrays)
    a = load_dataset("cifar10", split, root=jpeg_root, cache_dir=tmp_path / "c")
    b = load_dataset("cifar10", split, root=official, cache_dir=tmp_path / "c")
    assert a.ids == b.ids and a.name == b.name == "cifar10"
    assert np.array_equal(a.labels, b.labels)
    assert np.array_equal(a.images, b.images)


@pytest.mark.skipif(not (SHARED_CIFAR / "cifar10-jpeg.tar.gz").is_file(), reason="the real JPEG tarball is not beside the project")
def test_the_real_jpeg_tarball_was_written_with_the_encoder_settings_used_for_the_download():
    import tarfile

    with tarfile.open(SHARED_CIFAR / "cifar10-jpeg.tar.gz", "r|gz") as tar:
        member = next(m for m in tar if m.isfile() and m.name.endswith(".jpg"))
        data = tar.extractfile(member).read()
    real = Image.open(io.BytesIO(data))
    buf = io.BytesIO()
    Image.fromarray(np.asarray(real.convert("RGB"))).save(buf, format="JPEG", quality=JPEG_QUALITY)
    ours = Image.open(io.BytesIO(buf.getvalue()))
    assert real.quantization == ours.quantization
    assert JpegImagePlugin.get_sampling(real) == JpegImagePlugin.get_sampling(ours) == 2  # 4:2:0


def test_every_command_that_reads_a_dataset_takes_data_root(capsys):
    for command in ("train", "evaluate", "extract", "compare-rsa"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--data-root" in capsys.readouterr().out, command


def test_train_reads_its_data_from_data_root(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["train", "--data-root", str(missing), "--out", str(tmp_path / "run"), "--set", "optim.epochs=1"]) == 2
    assert str(missing) in capsys.readouterr().err
