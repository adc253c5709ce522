"""SIGKILL at random points of extract, compare-rt, compare-rt --demo and train; then the same command again.

After each kill the target is either absent or complete (never partial); the rerun of the same
command succeeds and leaves no temporary file, folder or lock behind. The commands carry
``--overwrite`` (``--resume`` for train) so that the same command line is valid before and after
its target exists. Slow (each kill starts a Python process that imports torch).
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
GEIRHOS = ROOT / "human_data" / "geirhos2019"
EDGES = GEIRHOS / "raw-data" / "edge-experiment"
KILLS = int(os.environ.get("NEUROGROW_KILLS", "6"))
TINY = [
    "data.dataset='synthetic'", "data.synthetic_size=256", "model.channels=[4,6]", "model.max_channels=8",
    "model.max_layers=2", "model.steps=2", "model.max_steps=3", "optim.epochs=4", "optim.batch_size=32",
    "optim.lr=0.05", "eval_batch_size=64",
]


def command(kind: str, tmp: Path) -> tuple[list[str], Path]:
    if kind == "extract":
        out = tmp / "times.h5"
        return ["extract", "blt-cifar10-adaptive", "--images", str(GEIRHOS / "stimuli" / "edges"), "--out", str(out),
                "--activations", "--overwrite"], out
    if kind == "compare-rt":
        times = tmp / "t.csv"
        if not times.exists():
            import numpy as np
            import pandas as pd

            d = GEIRHOS / "stimuli" / "edges"
            stims = sorted(str(p.relative_to(d)) for p in d.glob("*/*.png"))
            pd.DataFrame({"stimulus": stims, "model_time": np.random.default_rng(0).gamma(3, 1, len(stims))}).to_csv(times, index=False)
        out = tmp / "out"
        return ["compare-rt", str(times), str(EDGES), "--out", str(out), "--overwrite", "--n-boot", "300", "--n-perm", "2000"], out
    if kind == "demo":
        out = tmp / "demo_out"
        return ["compare-rt", "--demo", "--out", str(out), "--overwrite", "--n-boot", "200", "--n-perm", "1000",
                "--n-splits", "20"], out
    out = tmp / "run"
    return ["train", "--out", str(out), "--quiet", "--resume", *[f"--set={o}" for o in TINY]], out


def complete(kind: str, out: Path) -> bool:
    """Whether ``out`` is a complete result (asserting it is not a partial one)."""
    if not out.exists():
        return False
    if kind == "extract":
        from neurogrow.io import read_times

        assert len(read_times(out)) == 160
    elif kind == "compare-rt":
        assert json.loads((out / "summary.json").read_text())["n_stimuli"] == 160
        assert (out / "per_image.csv").exists() and (out / "report.md").exists()
    elif kind == "demo":
        assert sorted(p.name for p in out.iterdir()) == ["edges", "silhouettes"]
        for name in ("edges", "silhouettes"):
            assert json.loads((out / name / "summary.json").read_text())["n_stimuli"] == 160
    else:
        return (out / "model.pt").exists()
    return True


def debris(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def run(argv: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "neurogrow", *argv], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["extract", "compare-rt", "demo", "train"])
def test_sigkill_at_random_points_then_rerun(tmp_path, kind):
    ref_dir = tmp_path / "reference"
    ref_dir.mkdir()
    argv, out = command(kind, ref_dir)
    t0 = time.time()
    done = run(argv)
    duration = time.time() - t0
    assert done.returncode == 0, done.stderr
    assert complete(kind, out) and debris(ref_dir) == []

    rng = random.Random(13)
    work = tmp_path / "work"
    work.mkdir()
    argv, out = command(kind, work)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    for k in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-m", "neurogrow", *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        time.sleep(rng.uniform(0.2, 1.1) * duration)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        complete(kind, out)  # absent, or complete: never partial
        again = run(argv)
        assert again.returncode == 0, (k, again.stderr)
        assert complete(kind, out), k
        assert debris(work) == [], (k, debris(work))
        if kind == "train":  # the resumed run ends where an uninterrupted one ends (CPU, same seed)
            a = torch.load(out / "checkpoint.pt", weights_only=False)["model_state"]
            b = torch.load(ref_dir / "run" / "checkpoint.pt", weights_only=False)["model_state"]
            assert a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)
            for p in out.iterdir():  # start the next round from scratch
                p.unlink()
            out.rmdir()


INTERRUPTS = int(os.environ.get("NEUROGROW_INTERRUPTS", "5"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["extract", "compare-rt"])
def test_ctrl_c_at_random_points_is_one_line_exit_130_and_nothing_left(tmp_path, kind):
    """SIGINT (Ctrl-C) at random moments, from the first imports to the last rename: exit 130 with one
    line on stderr (or exit 0 if it had finished), never a traceback, no temporary file, folder or lock."""
    argv, out = command(kind, tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    t0 = time.time()
    assert run(argv).returncode == 0
    duration = time.time() - t0
    rng = random.Random(26)
    for k in range(INTERRUPTS):
        delay = rng.uniform(0.0, 0.15) if k == 0 else rng.uniform(0.0, 1.0) * duration  # the first during the imports
        proc = subprocess.Popen([sys.executable, "-m", "neurogrow", *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=600)
        if proc.returncode == -signal.SIGINT:  # before Python's handler is installed, or after the command ended
            assert "Traceback" not in err, (k, delay, err)  # (the shell reports 130 either way)
        elif proc.returncode != 0:
            assert proc.returncode == 130, (k, delay, err)
            assert err.strip().splitlines()[-1].endswith("interrupted") and "Traceback" not in err, (k, delay, err)
        assert debris(tmp_path) == [], (k, debris(tmp_path))
        complete(kind, out)  # the previous result, or a new complete one: never partial
