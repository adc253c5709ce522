"""One progress helper: a tqdm bar on a terminal, plain lines elsewhere, nothing under --quiet."""
from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
import pytest

from neurogrow import progress as P


@pytest.fixture(autouse=True)
def _reset(monkeypatch):
    monkeypatch.setattr(P, "_QUIET", None)
    monkeypatch.delenv("NEUROGROW_QUIET", raising=False)
    yield
    P._QUIET = None


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_plain_lines_when_not_a_terminal(monkeypatch):
    err = _Stream(tty=False)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setenv("NEUROGROW_PROGRESS_INTERVAL", "0")
    assert list(P.progress(range(3), desc="work", unit="img")) == [0, 1, 2]
    lines = err.getvalue().splitlines()
    assert lines[0] == "work: 0/3 img (0%), 0.0 s, started"
    assert lines[-1].startswith("work: 3/3 img (100%)") and lines[-1].endswith("done")
    assert "\r" not in err.getvalue()


def test_tqdm_on_a_terminal(monkeypatch):
    from tqdm import tqdm

    monkeypatch.setattr(sys, "stderr", _Stream(tty=True))
    bar = P.progress(total=5, desc="work")
    assert isinstance(bar, tqdm)
    bar.close()


@pytest.mark.parametrize("how", ["set_quiet", "env"])
def test_quiet_prints_nothing(monkeypatch, how):
    err = _Stream(tty=True)
    monkeypatch.setattr(sys, "stderr", err)
    if how == "env":
        monkeypatch.setenv("NEUROGROW_QUIET", "1")
    else:
        P.set_quiet(True)
    with P.progress(total=3, desc="work") as bar:
        bar.update(3)
    P.status("loading")
    assert err.getvalue() == ""


def _rt_inputs(tmp_path):
    rng = np.random.default_rng(0)
    stims = [f"s{i}.png" for i in range(12)]
    pd.DataFrame({"stimulus": stims, "model_time": rng.uniform(1, 4, 12)}).to_csv(tmp_path / "t.csv", index=False)
    rows = [(s, f"subj{j}", rng.uniform(0.4, 1.2)) for s in stims for j in range(4)]
    pd.DataFrame(rows, columns=["stimulus", "subject", "rt"]).to_csv(tmp_path / "h.csv", index=False)
    return [str(tmp_path / "t.csv"), str(tmp_path / "h.csv"), "--n-boot", "20", "--n-perm", "20", "--n-splits", "4", "--no-mixed-model"]


def test_cli_shows_progress_unless_quiet(tmp_path, capsys):
    from neurogrow.cli import main

    args = _rt_inputs(tmp_path)
    assert main(["compare-rt", *args, "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    assert "compare-rt: 0/" in captured.err and "done" in captured.err
    assert main(["--quiet", "compare-rt", *args, "--out", str(tmp_path / "b")]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "Spearman" in captured.out  # results still printed


def test_extract_and_evaluate_report_progress(tmp_path, capsys):
    """extract through the CLI; evaluate (what `neurogrow evaluate` runs) on a small labelled set."""
    from pathlib import Path

    import neurogrow.api
    from neurogrow.cli import main

    neurogrow.api._LOADED.clear()  # a model loaded by an earlier test is kept, and not announced again
    edges = Path(__file__).resolve().parents[1] / "human_data/geirhos2019/stimuli/edges"
    assert main(["extract", "--images", str(edges / "cat"), "--out", str(tmp_path / "t.h5")]) == 0
    err = capsys.readouterr().err
    assert "extract cat: 0/10 img" in err and "extract cat: 10/10 img (100%)" in err
    assert "loading model" in err
    import torch

    import neurogrow
    from neurogrow.data import ImageDataset
    from neurogrow.train import evaluate

    model = neurogrow.load_model()
    data = ImageDataset(images=np.zeros((7, 32, 32, 3), np.uint8), labels=np.zeros(7, np.int64),
                        class_names=model.class_names, ids=[str(i) for i in range(7)], name="zeros")
    evaluate(model, data, torch.device("cpu"), batch_size=4, progress=True)
    err = capsys.readouterr().err
    assert "evaluate zeros: 7/7 img (100%)" in err


def test_quiet_flag_lasts_one_call(monkeypatch, capsys):
    """``neurogrow --quiet`` silences its own call only, not later calls in the same process."""
    from neurogrow.cli import main

    monkeypatch.setattr(P, "_QUIET", None)
    monkeypatch.delenv("NEUROGROW_QUIET", raising=False)
    assert main(["--quiet", "models"]) == 0
    assert not P.is_quiet()



def test_a_finished_line_prints_once(monkeypatch):
    """The last update of a bar that reached its total does not print: close() prints it, once."""
    err = _Stream(tty=False)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setenv("NEUROGROW_PROGRESS_INTERVAL", "0")
    for _ in P.progress(range(3), desc="work", unit="it"):
        pass
    with P.progress(total=2, desc="counted", unit="it") as bar:
        bar.update(1)
        bar.update(1)
    lines = err.getvalue().splitlines()
    for desc, n in (("work", 3), ("counted", 2)):
        finished = [line for line in lines if line.startswith(f"{desc}: {n}/{n}")]
        assert len(finished) == 1 and finished[0].endswith("done"), lines
