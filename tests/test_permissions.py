"""Every writer gives its outputs the permissions open()/mkdir() would: 0666/0777 less the umask.

The atomic writers create their temporary files with mkstemp/mkdtemp (0600/0700); these tests
fail if any of them renames such a file into place without applying the umask.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurogrow.outputs import apply_umask, atomic_output_dir, current_umask, write_json


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def _expect_file(p: Path, mask: int) -> None:
    assert _mode(p) == 0o666 & ~mask, f"{p}: {oct(_mode(p))}, expected {oct(0o666 & ~mask)} under umask {oct(mask)}"


def _expect_dir(p: Path, mask: int) -> None:
    assert _mode(p) == 0o777 & ~mask, f"{p}: {oct(_mode(p))}, expected {oct(0o777 & ~mask)} under umask {oct(mask)}"


def test_current_umask_reads_without_changing(umask):
    assert current_umask() == umask
    assert current_umask() == umask


def test_atomic_output_dir_and_json(tmp_path, umask):
    out = tmp_path / "results" / "run"
    with atomic_output_dir(out) as tmp:
        (tmp / "a.txt").write_text("x")
        (tmp / "sub").mkdir()
    _expect_dir(out, umask)
    _expect_dir(out / "sub", umask)
    _expect_file(out / "a.txt", umask)
    _expect_file(write_json(tmp_path / "r.json", {"a": 1}), umask)


def test_times_file(tmp_path, umask):
    from neurogrow.io import write_times

    n = 3
    p = write_times(tmp_path / "times.h5", pd.DataFrame({"stimulus": ["a", "b", "c"]}), np.full((n, 2, 2), 0.5), np.full((n, 2), 0.5), ["x", "y"])
    _expect_file(p, umask)


def test_checkpoint_and_model_file(tmp_path, umask):
    from neurogrow.model import LatticeRCNN, ModelConfig
    from neurogrow.train.checkpoint import save_checkpoint, save_model

    save_checkpoint(tmp_path / "checkpoint.pt", epoch=1)
    _expect_file(tmp_path / "checkpoint.pt", umask)
    model = LatticeRCNN(ModelConfig(num_classes=2, channels=[4], steps=2, image_size=8))
    save_model(tmp_path / "model.pt", model, {"window": model.window})
    _expect_file(tmp_path / "model.pt", umask)


def test_sweep_and_cache_writers(tmp_path, umask):
    from neurogrow.data.cache import save_npz_atomic
    from neurogrow.outputs import write_text  # the sweep tables' writer

    write_text(tmp_path / "results.csv", "a\n1\n")
    _expect_file(tmp_path / "results.csv", umask)
    save_npz_atomic(tmp_path / "c.npz", {"x": np.zeros(2)})
    _expect_file(tmp_path / "c.npz", umask)


def test_compare_rt_outputs(tmp_path, umask):
    """End to end through the CLI: every file and folder compare-rt writes."""
    from neurogrow.cli import main

    rng = np.random.default_rng(0)
    stims = [f"s{i}.png" for i in range(12)]
    pd.DataFrame({"stimulus": stims, "model_time": rng.uniform(1, 4, 12)}).to_csv(tmp_path / "t.csv", index=False)
    rows = [(s, f"subj{j}", rng.uniform(0.4, 1.2)) for s in stims for j in range(4)]
    pd.DataFrame(rows, columns=["stimulus", "subject", "rt"]).to_csv(tmp_path / "h.csv", index=False)
    out = tmp_path / "rt"
    rc = main(["--quiet", "compare-rt", str(tmp_path / "t.csv"), str(tmp_path / "h.csv"), "--out", str(out),
               "--n-boot", "20", "--n-perm", "20", "--n-splits", "4", "--no-mixed-model"])
    assert rc == 0
    _expect_dir(out, umask)
    for f in out.iterdir():
        _expect_file(f, umask)


def test_apply_umask_recursive(tmp_path, umask):
    d = tmp_path / "d"
    (d / "e").mkdir(parents=True)
    (d / "e" / "f").write_text("x")
    for p in (d, d / "e", d / "e" / "f"):
        os.chmod(p, 0o700)
    apply_umask(d, recursive=True)
    _expect_dir(d, umask)
    _expect_dir(d / "e", umask)
    _expect_file(d / "e" / "f", umask)
