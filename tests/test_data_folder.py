"""The folder dataset (``data.dataset = "folder"``): layouts, checks before anything is written,
decoding once into a memory-mapped cache, and its use by train, evaluate and Brain-Score labels."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

from neurogrow.cli import main
from neurogrow.data import folder as folder_module
from neurogrow.data import load_dataset
from neurogrow.data.folder import folder_splits, scan_layout
from neurogrow.errors import DataError


def write(path, value=0, size=(12, 10), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = value if mode == "L" else (value, 255 - value, 7)
    Image.new(mode, size, colour).save(path)


def text(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not an image")


def two_folders(root, classes=("cat", "dog"), train=3, test=1):
    for c in classes:
        for i in range(train):
            write(root / "train" / c / f"{c}{i}.png", 10 * i)
        for i in range(test):
            write(root / "test" / c / f"t{c}{i}.jpg", 100 + i)
    return root


def test_two_folder_layout_keeps_the_splits_and_sorts_classes(tmp_path):
    root = two_folders(tmp_path / "d", classes=("zebra", "ant", "cat"))
    train, test, layout = folder_splits(root, image_size=8, channels=3, cache_dir=tmp_path / "c")
    assert train.class_names == test.class_names == ["ant", "cat", "zebra"]
    assert train.images.shape == (9, 8, 8, 3) and test.images.shape == (3, 8, 8, 3)
    assert train.ids[:3] == ["ant/ant0.png", "ant/ant1.png", "ant/ant2.png"] and test.ids[0] == "ant/tant0.jpg"
    assert train.labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert layout.counts() == {"train": {"ant": 3, "cat": 3, "zebra": 3}, "test": {"ant": 1, "cat": 1, "zebra": 1}}
    grey, _, _ = folder_splits(root, image_size=5, channels=1, cache_dir=tmp_path / "c")
    assert grey.images.shape == (9, 5, 5, 1)


def test_one_folder_is_split_per_class_by_the_split_seed(tmp_path):
    root = tmp_path / "d"
    for c, n in (("a", 10), ("b", 5), ("c", 2)):
        for i in range(n):
            write(root / c / "deeper" / f"{c}{i}.png", i)
    layout = scan_layout(root, test_fraction=0.2, split_seed=0)
    assert layout.counts() == {"train": {"a": 8, "b": 4, "c": 1}, "test": {"a": 2, "b": 1, "c": 1}}
    assert scan_layout(root, 0.2, 0).files == layout.files  # seeded
    other = [scan_layout(root, 0.2, s).files[layout.n_train :] for s in range(1, 6)]
    assert any(o != layout.files[layout.n_train :] for o in other)
    train, test, _ = folder_splits(root, image_size=4, cache_dir=tmp_path / "c")
    assert not set(train.ids) & set(test.ids) and len(train) + len(test) == 17
    assert test.ids[0].startswith("a/deeper/")


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda r: (two_folders(r), write(r / "test" / "bird" / "x.png")), "only in test: bird"),
        (lambda r: two_folders(r, classes=("cat",)), "expected at least 2 classes"),
        (lambda r: [write(r / "cat" / f"{i}.png") for i in range(4)], "expected at least 2 classes"),
        (lambda r: (two_folders(r), (r / "test" / "dog" / "tdog0.jpg").unlink(), text(r / "test" / "dog" / "n.txt")), "only in train: dog"),
        (lambda r: (write(r / "a" / "1.png"), write(r / "a" / "2.png"), write(r / "b" / "1.png")), "'b' has 1 image"),
        (lambda r: two_folders(r / "train"), "has train/ but no test/"),
    ],
)
def test_a_bad_folder_is_one_line_and_exit_2_before_a_run_folder_exists(tmp_path, capsys, build, message):
    root = tmp_path / "bad"
    build(root)
    out = tmp_path / "run"
    code = main(["--quiet", "train", "--out", str(out), "--set", "data.dataset=folder", "--set", f"data.root={root}"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


def test_an_undecodable_file_is_named_and_stops_the_run(tmp_path, capsys, private_cache):
    root = two_folders(tmp_path / "d")
    (root / "train" / "dog" / "broken.png").write_bytes(b"\x89PNG not really")
    (root / "test" / "cat" / "empty.jpg").write_bytes(b"")
    out = tmp_path / "run"
    code = main(["--quiet", "train", "--out", str(out), "--set", "data.dataset=folder", "--set", f"data.root={root}"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "2 image files cannot be decoded" in err and "broken.png" in err and "empty.jpg" in err
    assert not out.exists() and not list(private_cache.glob("*.npy"))  # no half-written cache either


def test_skipped_entries_are_counted_and_named_on_stderr(tmp_path, capsys):
    root = two_folders(tmp_path / "d")
    (root / "train" / "notes.txt").write_text("x")
    write(root / "train" / "loose.png")
    (root / "test" / "cat" / "anim.gif").write_bytes(b"GIF89a")
    train, _, layout = folder_splits(root, image_size=4, cache_dir=tmp_path / "c")
    err = capsys.readouterr().err
    assert "3 entries not read" in err and "train/loose.png: not inside a class folder" in err
    assert "test/cat/anim.gif" in err and "train/notes.txt" in err
    assert len(train) == 6 and len(layout.skipped) == 3


def test_decoded_once_memory_mapped_and_decoded_again_when_a_file_changes(tmp_path, monkeypatch):
    root = two_folders(tmp_path / "d")
    calls = []
    original = folder_module.decode_image
    monkeypatch.setattr(folder_module, "decode_image", lambda *a, **k: calls.append(1) or original(*a, **k))
    first, _, _ = folder_splits(root, image_size=6, cache_dir=tmp_path / "c")
    assert len(calls) == 8
    again, _, _ = folder_splits(root, image_size=6, cache_dir=tmp_path / "c")
    assert len(calls) == 8 and np.array_equal(first.images, again.images)
    assert isinstance(again.images.base, np.memmap) or isinstance(again.images, np.memmap)
    assert len(list((tmp_path / "c").glob("folder-d-*.npy"))) == 1
    folder_splits(root, image_size=7, cache_dir=tmp_path / "c")  # another size: another cache
    assert len(calls) == 16
    target = root / "train" / "cat" / "cat1.png"
    write(target, 200)
    os.utime(target, ns=(1, 1))
    changed, _, _ = folder_splits(root, image_size=6, cache_dir=tmp_path / "c")
    assert len(calls) == 24 and not np.array_equal(changed.images[1], first.images[1])


def test_load_dataset_folder_and_its_errors(tmp_path):
    root = two_folders(tmp_path / "d")
    test = load_dataset("folder", "test", root=root, cache_dir=tmp_path / "c", image_size=4)
    assert len(test) == 2 and test.images.shape[1:] == (4, 4, 3)
    with pytest.raises(DataError, match="no folder given"):
        load_dataset("folder", "test")
    with pytest.raises(DataError, match="folder dataset only"):
        load_dataset("cifar10", "test", root=root, image_size=4)
    with pytest.raises(DataError, match="no such folder"):
        load_dataset("folder", "train", root=tmp_path / "nowhere")


def test_config_keys_of_the_folder_dataset(tmp_path, capsys):
    from neurogrow.errors import ConfigError
    from neurogrow.train import load_config

    with pytest.raises(ConfigError, match=r"data\.root"):
        load_config(None, ["data.dataset=folder"])
    with pytest.raises(ConfigError, match=r"data\.channels"):
        load_config(None, ["data.channels=2"])
    with pytest.raises(ConfigError, match=r"data\.test_fraction"):
        load_config(None, ["data.test_fraction=1.0"])
    cfg = load_config(None, ["data.dataset=folder", "data.root=x", "data.image_size=64", "data.split_seed=3"])
    assert (cfg.data.image_size, cfg.data.channels, cfg.data.split_seed) == (64, 3, 3)


def test_train_records_class_counts_and_evaluate_reads_the_models_split(tmp_path, capsys, private_cache, one_thread):
    root = tmp_path / "imgs"
    for c in ("ant", "bee", "cow"):
        for i in range(5):
            write(root / c / f"{c}{i}.png", 40 * i + (0 if c == "ant" else 120 if c == "bee" else 250) % 256)
    sets = [
        "data.dataset=folder", f"data.root={root}", "data.image_size=8", "data.test_fraction=0.4", "data.split_seed=7",
        "model.channels=[4]", "model.max_channels=4", "model.max_layers=1", "model.steps=2", "model.max_steps=2",
        "optim.epochs=1", "optim.batch_size=4", "device=cpu",
    ]
    run = tmp_path / "run"
    assert main(["train", "--quiet", "--out", str(run), *[f"--set={s}" for s in sets]]) == 0
    err = capsys.readouterr().err
    assert "3 classes; train 9 images (ant 3, bee 3, cow 3), test 6 images (ant 2, bee 2, cow 2)" in err
    data = json.loads((run / "data.json").read_text())
    assert data["split"] == "test_fraction=0.4, split_seed=7" and data["counts"]["test"] == {"ant": 2, "bee": 2, "cow": 2}
    assert main(["--quiet", "evaluate", str(run), "--dataset", "folder"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 6
    assert main(["--quiet", "evaluate", str(run), "--dataset", "folder", "--split", "train"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 9
    assert main(["--quiet", "evaluate", "--dataset", "folder"]) == 2  # the shipped model: no folder of its own
    assert "no folder given" in capsys.readouterr().err


def test_brainscore_imagenet_labels_for_synset_classes():
    pytest.importorskip("brainscore_vision")
    from neurogrow.brainscore.labels import choice_classes, choice_names
    from neurogrow.errors import NeurogrowError

    synsets = ["n01440764", "n01443537", "n01484850"]
    assert choice_classes("imagenet", synsets) == [0, 1, 2] and choice_names("imagenet", synsets) == synsets
    with pytest.raises(NeurogrowError, match="not ImageNet synsets"):
        choice_classes("imagenet", ["cat", "dog"])
    assert choice_names(["Cat", "dog"], ["cat", "dog"]) == ["Cat", "dog"]
