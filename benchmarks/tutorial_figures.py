"""Regenerate the figures that ``docs/tutorial.md`` shows (``docs/tutorial_files/*.png``).

Runs the tutorial's Python blocks, as ``tests/test_tutorial.py`` does, in a scratch folder with the
shipped human data linked in, and copies the figures they write into ``docs/tutorial_files/``:

    python benchmarks/tutorial_figures.py            # about a minute on 2 cores
    python benchmarks/tutorial_figures.py --check    # exit 1 if a shown figure differs from what the code writes

The slow test ``test_whole_tutorial_runs_and_its_numbers_hold`` checks the same: every figure the
tutorial shows is, pixel for pixel, the one its code writes.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
FILES = ROOT / "docs" / "tutorial_files"
#: Figure shown in the tutorial -> the file its code writes (under the scratch folder).
SHOWN = {"scatter.png": "tutorial_output/rt/scatter.png", "heatmap_spearman.png": "tutorial_output/rsa/heatmap_spearman.png"}


def run_tutorial(folder: Path) -> dict:
    """Execute the tutorial's Python blocks in ``folder``; returns their namespace."""
    sys.path.insert(0, str(ROOT))
    (folder / "human_data").symlink_to(ROOT / "human_data")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        namespace: dict = {}
        for code in re.findall(r"^```python\n(.*?)^```", TUTORIAL.read_text(), re.S | re.M):
            exec(compile(code, str(TUTORIAL), "exec"), namespace)
        return namespace
    finally:
        os.chdir(cwd)


def same_pixels(a: Path, b: Path) -> bool:
    from PIL import Image

    with Image.open(a) as x, Image.open(b) as y:
        return x.size == y.size and np.array_equal(np.asarray(x.convert("RGB")), np.asarray(y.convert("RGB")))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare; exit 1 if a shown figure is stale")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        run_tutorial(Path(tmp))
        stale = [name for name, made in SHOWN.items() if not (FILES / name).is_file() or not same_pixels(Path(tmp) / made, FILES / name)]
        if args.check:
            print("stale: " + ", ".join(stale) if stale else "docs/tutorial_files agree with the tutorial's code")
            return 1 if stale else 0
        for name, made in SHOWN.items():
            shutil.copyfile(Path(tmp) / made, FILES / name)
            print(f"wrote {FILES / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
