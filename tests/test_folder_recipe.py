"""docs/training.md, "Recipe 4: your own categories", run end to end on a generated folder.

Three classes of noisy gratings (horizontal, vertical, diagonal) whose difficulty ``d`` in [0, 1]
is known per image (contrast falls and noise rises with ``d``); trials of 8 simulated subjects
whose log RT rises with ``d``. The recipe's commands, as written (the training with a tiny model
added), train on the folder, evaluate, extract times for a stimulus folder and compare them with
the trials: the correlation must come out positive.
"""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from neurogrow.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("horizontal", "vertical", "diagonal")
#: Added to the recipe's train command: a tiny model, a short run (about 10 s of CPU).
TINY = [
    "data.image_size=16", "data.flip=false", "model.channels=[6,8]", "model.max_channels=8", "model.max_layers=2",
    "model.steps=4", "model.max_steps=4", "growth.enabled=false", "optim.epochs=15", "optim.batch_size=32",
    "optim.lr=0.05", "costs.time_price=0.02",
]


def recipe_commands() -> list[list[str]]:
    """The shell commands of the recipe's first code block."""
    text = (ROOT / "docs" / "training.md").read_text()
    section = text.split("## Recipe 4: your own categories", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    return [shlex.split(line) for line in block.group(1).replace("\\\n", " ").strip().splitlines()]


def grating(k: int, d: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Class ``k``'s grating at a random phase, contrast ``1 - 0.9 d``, noise sd ``15 + 60 d``."""
    y, x = np.mgrid[0:size, 0:size] / size
    phase = rng.uniform(0, 2 * np.pi)
    wave = (y, x, (x + y) / 1.4)[k]
    img = 128 + 90 * (1 - 0.9 * d) * np.sin(2 * np.pi * 3 * wave + phase)[..., None]
    img = img + rng.normal(0, 15 + 60 * d, (size, size, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_folder(root: Path, per_class: int, seed: int, prefix: str, size: int = 24) -> dict[str, float]:
    """``root/<class>/<prefix>-<class>-NNN.png``; returns each file name's difficulty."""
    rng = np.random.default_rng(seed)
    difficulty = {}
    for k, c in enumerate(CLASSES):
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            d = float(rng.uniform(0, 1))
            name = f"{prefix}-{c}-{i:03d}.png"
            Image.fromarray(grating(k, d, size, rng)).save(root / c / name)
            difficulty[name] = d
    return difficulty


def make_trials(path: Path, difficulty: dict[str, float], subjects: int = 8, seed: int = 5) -> None:
    """Long-format trials: ``log rt = log 0.55 + 0.6 d + N(0, 0.15)`` per subject and stimulus."""
    rng = np.random.default_rng(seed)
    rows = [
        (f"s{s}", name, float(np.exp(np.log(0.55) + 0.6 * d + rng.normal(0, 0.15))))
        for s in range(subjects)
        for name, d in difficulty.items()
    ]
    pd.DataFrame(rows, columns=["subject", "stimulus", "rt"]).to_csv(path, index=False)


def test_the_recipe_names_four_commands_the_cli_accepts():
    from neurogrow.cli import build_parser

    commands = recipe_commands()
    assert [c[1] for c in commands] == ["train", "evaluate", "extract", "compare-rt"]
    parser = build_parser()
    for c in commands:
        parser.parse_args(c[1:])


def test_own_categories_recipe_end_to_end(tmp_path, monkeypatch, private_cache, one_thread, capsys):
    monkeypatch.chdir(tmp_path)
    make_folder(tmp_path / "my_images", 60, seed=0, prefix="img")
    difficulty = make_folder(tmp_path / "my_stimuli", 12, seed=1, prefix="stim")
    make_trials(tmp_path / "my_trials.csv", difficulty)
    printed = {}
    for command in recipe_commands():
        args = command[1:]
        if args[0] == "train":
            args += [f"--set={o}" for o in TINY]
        if args[0] == "compare-rt":
            args += ["--n-boot", "200", "--n-perm", "500", "--n-splits", "20", "--no-mixed-model"]
        assert main(["--quiet", *args]) == 0, args
        printed[args[0]] = capsys.readouterr().out

    data = json.loads((tmp_path / "runs/my-categories/data.json").read_text())
    assert data["class_names"] == sorted(CLASSES)
    assert data["counts"] == {"train": dict.fromkeys(sorted(CLASSES), 48), "test": dict.fromkeys(sorted(CLASSES), 12)}
    evaluated = json.loads(printed["evaluate"])
    assert evaluated["n"] == 36 and evaluated["accuracy"] > 0.8

    from neurogrow.io import read_times

    times = read_times(tmp_path / "my_times.h5")
    assert set(times["prediction"]) <= set(CLASSES)  # predictions are the training folders' names
    assert times["correct"].notna().all() and times["correct"].mean() > 0.8
    accuracy = re.search(r"accuracy ([\d.]+) on 36 labelled", printed["extract"])  # the folder names are the model's
    assert accuracy is not None and float(accuracy.group(1)) > 0.8, printed["extract"]
    d = times["stimulus"].str.split("/").str[-1].map(difficulty)
    assert times["expected_steps"].corr(d, method="spearman") > 0.5  # the model's time tracks difficulty

    summary = json.loads((tmp_path / "my_comparison/summary.json").read_text())
    assert summary["n_stimuli"] == 36 and summary["n_subjects"] == 8
    assert summary["spearman"]["r"] > 0.5 and summary["spearman"]["ci95"][0] > 0


@pytest.mark.parametrize("layout", ["folders", "one folder"])
def test_a_model_trained_on_a_folder_names_its_classes(tmp_path, private_cache, one_thread, layout):
    import neurogrow

    root = tmp_path / "imgs"
    if layout == "folders":
        make_folder(root / "train", 8, seed=0, prefix="a")
        make_folder(root / "test", 2, seed=1, prefix="b")
    else:
        make_folder(root, 10, seed=0, prefix="a")
    sets = ["data.dataset='folder'", f"data.root='{root}'", *TINY[:5], "optim.epochs=1", "optim.batch_size=8"]
    assert main(["--quiet", "train", "--out", str(tmp_path / "run"), *[f"--set={s}" for s in sets]]) == 0
    model = neurogrow.load_model(tmp_path / "run")
    assert model.class_names == sorted(CLASSES)
    assert model.summary["data"]["counts"]["test"] == dict.fromkeys(sorted(CLASSES), 2)
    df = neurogrow.classify(root / ("test" if layout == "folders" else "") / "vertical", model=model)
    assert set(df["prediction"]) <= set(CLASSES) and df.attrs["class_names"] == sorted(CLASSES)
