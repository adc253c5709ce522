"""A synthetic stand-in for a Geirhos et al. (2019) experiment in the repository's layout.

``raw-data/<experiment>/<experiment>_subject-NN_session_1.csv`` (columns subj, session, trial, rt,
object_response, category, condition, imagename) and ``stimuli/<set>/<category>/<file>.png``, by
default as the style-transfer (cue-conflict) experiment of github.com/rgeirhos/texture-vs-shape:
16 categories x 80 images of 512 x 512 px named ``<shape><i>-<texture><j>.png``, 10 subjects who
each see every image once, imagenames like ``0001_s5n_s01_0_bird_00_bird3-bird2.png``.

The per-image log RT is ``difficulty + category offset + subject offset + noise``; the returned
``truth`` frame holds each image's ``difficulty`` so a test can plant a model time related to it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

CATEGORIES = [
    "airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat",
    "chair", "clock", "dog", "elephant", "keyboard", "knife", "oven", "truck",
]  # fmt: skip


def make_experiment(
    root: Path,
    experiment: str = "style-transfer-512-nomask-experiment",
    stimulus_set: str = "style-transfer-preprocessed-512",
    per_category: int = 80,
    n_subjects: int = 10,
    size: int = 512,
    seed: int = 0,
    code: str = "s5n",
) -> pd.DataFrame:
    """Write the experiment under ``root`` (the ``geirhos2019`` folder); returns per image
    ``stimulus`` (file name), ``path`` (relative to the stimulus set), ``category``, ``difficulty``."""
    rng = np.random.default_rng(seed)
    rows = []
    for c, cat in enumerate(CATEGORIES):
        folder = root / "stimuli" / stimulus_set / cat
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_category):
            texture = CATEGORIES[(c + 1 + i) % len(CATEGORIES)]
            name = f"{cat}{i // 8 + 1}-{texture}{i % 8 + 1}.png"
            _write_image(folder / name, rng, size)
            rows.append({"stimulus": name, "path": f"{cat}/{name}", "category": cat})
    truth = pd.DataFrame(rows)
    n = len(truth)
    truth["difficulty"] = rng.normal(0.0, 0.15, n)
    cat_offset = dict(zip(CATEGORIES, rng.normal(0.0, 0.1, len(CATEGORIES))))
    trials_dir = root / "raw-data" / experiment
    trials_dir.mkdir(parents=True, exist_ok=True)
    for s in range(1, n_subjects + 1):
        order = rng.permutation(n)
        subj_offset = rng.normal(0.0, 0.1)
        log_rt = -0.2 + truth["difficulty"].to_numpy()[order] + truth["category"].map(cat_offset).to_numpy()[order]
        log_rt = log_rt + subj_offset + rng.normal(0.0, 0.25, n)
        rt = np.exp(log_rt)
        respond = rng.random(n) > 0.02
        cats = truth["category"].to_numpy()[order]
        answer = np.where(rng.random(n) < 0.8, cats, rng.choice(CATEGORIES, n))
        pd.DataFrame(
            {
                "subj": f"subject-{s:02d}",
                "session": 1,
                "trial": np.arange(1, n + 1),
                "rt": np.where(respond, rt, np.nan),
                "object_response": np.where(respond, answer, "na"),
                "category": cats,
                "condition": 0,
                "imagename": [f"{t:04d}_{code}_s{s:02d}_0_{c}_00_{f}" for t, c, f in zip(range(1, n + 1), cats, truth["stimulus"].to_numpy()[order])],
            }
        ).to_csv(trials_dir / f"{experiment}_subject-{s:02d}_session_1.csv", index=False, na_rep="NaN")
    return truth


def _write_image(path: Path, rng: np.random.Generator, size: int) -> None:
    """A distinct, quickly written RGB image: a flat background with a few coloured rectangles."""
    img = np.empty((size, size, 3), dtype=np.uint8)
    img[:] = rng.integers(0, 256, 3, dtype=np.uint8)
    for _ in range(3):
        x0, y0 = rng.integers(0, size - 8, 2)
        w, h = rng.integers(8, size // 2, 2)
        img[y0 : y0 + h, x0 : x0 + w] = rng.integers(0, 256, 3, dtype=np.uint8)
    Image.fromarray(img).save(path, compress_level=1)
