"""Issue 26, hostile inputs round two: outputs that overwrite inputs, inconsistent files, the API's arguments.

Every bad input ends in one line on stderr and exit 2 (a :class:`neurogrow.errors.NeurogrowError`
from Python), nothing written, and every input byte-identical; every fixed silent error gives
the right answer.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurogrow.cli import main

from conftest import EDGES, GEIRHOS

STIMULI = GEIRHOS / "stimuli" / "edges"
FAST = ["--n-boot", "50", "--n-perm", "50", "--n-splits", "5", "--no-mixed-model"]


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(code: int, err: str, *needles: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry under ``folder`` (hidden ones too) with its bytes (folders: b"/")."""
    return {str(p.relative_to(folder)): (b"/" if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


def model_csv(path: Path) -> Path:
    stims = sorted(str(p.relative_to(STIMULI)) for p in STIMULI.glob("*/*.png"))
    pd.DataFrame({"stimulus": stims, "model_time": np.random.default_rng(0).gamma(3.0, 1.0, len(stims))}).to_csv(path, index=False)
    return path


@pytest.fixture
def work(tmp_path) -> Path:
    """A copy of the edge experiment (H), a few of its stimuli (S/cat/...) and model times (times.csv)."""
    shutil.copytree(EDGES, tmp_path / "H")
    (tmp_path / "S" / "cat").mkdir(parents=True)
    for f in sorted((STIMULI / "cat").glob("*.png"))[:3]:
        shutil.copy(f, tmp_path / "S" / "cat" / f.name)
    model_csv(tmp_path / "times.csv")
    return tmp_path


# --------------------------------------------------------------------------- 1. no output overwrites an input


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
@pytest.mark.parametrize("out", ["H", "H/sub", ".", "link", "link/x", "H/../H"])
def test_compare_rt_never_writes_over_its_human_data(capsys, work, monkeypatch, out, overwrite):
    monkeypatch.chdir(work)
    (work / "link").symlink_to(work / "H")
    before = snapshot(work)
    code, _, err = cli(capsys, "compare-rt", "times.csv", "H", "--out", out, *overwrite, *FAST)
    one_line_error(code, err, f"--out {out}", "human data" if out != "." else "", "input")
    assert snapshot(work) == before


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_extract_never_writes_over_an_input_image(capsys, work, overwrite):
    target = work / "S" / "cat" / sorted(p.name for p in (work / "S" / "cat").iterdir())[0]
    before = snapshot(work)
    code, _, err = cli(capsys, "extract", "blt-cifar10-adaptive", "--images", work / "S", "--out", target, *overwrite)
    one_line_error(code, err, "lies inside the stimulus folder")
    assert snapshot(work) == before


def test_compare_rt_never_writes_over_its_model_times(capsys, work):
    before = snapshot(work)
    code, _, err = cli(capsys, "compare-rt", work / "times.csv", work / "H", "--out", work / "times.csv", "--overwrite", *FAST)
    one_line_error(code, err, "is the model times file")
    assert snapshot(work) == before


def test_train_never_writes_into_its_config(capsys, tmp_path):
    (tmp_path / "run").mkdir()
    config = tmp_path / "run" / "c.toml"
    config.write_text("seed = 1\n")
    before = snapshot(tmp_path)
    code, _, err = cli(capsys, "train", "--config", config, "--out", tmp_path / "run", "--quiet")
    one_line_error(code, err, "contains the config file")
    assert snapshot(tmp_path) == before


def test_api_refuses_the_same_overlap_in_python_words(work):
    import neurogrow
    from neurogrow.errors import NeurogrowError

    before = snapshot(work)
    with pytest.raises(NeurogrowError, match="is the human data") as exc:
        neurogrow.compare_rt(work / "times.csv", work / "H", out=work / "H", overwrite=True, n_boot=50, n_perm=50)
    assert "overwrite=True" in str(exc.value) and "--overwrite" not in str(exc.value)
    with pytest.raises(NeurogrowError, match="lies inside the stimulus folder"):
        neurogrow.extract(images=work / "S", out=work / "S" / "cat" / "new.h5")
    with pytest.raises(NeurogrowError, match="human data"):
        neurogrow.compare_rsa("blt-cifar10-adaptive", EDGES, out=EDGES / "rsa", n_boot=0)
    assert snapshot(work) == before


# --------------------------------------------------------------------------- 3. human data: one normalisation, one category


def test_capitalised_responses_are_scored_as_the_clean_file(tmp_path):
    from neurogrow.human import load_human

    shutil.copytree(EDGES, tmp_path / "H")
    f = sorted((tmp_path / "H").glob("*subject-01*.csv"))[0]
    d = pd.read_csv(f, dtype=str, keep_default_na=False)
    d["object_response"] = [f" {r.capitalize()}" if r != "na" else r for r in d["object_response"]]
    d["category"] = d["category"].str.upper()
    d.to_csv(f, index=False)
    clean, shouted = load_human(EDGES).trials, load_human(tmp_path / "H").trials
    pd.testing.assert_series_equal(clean["correct"], shouted["correct"])
    pd.testing.assert_series_equal(clean["category"], shouted["category"])
    assert shouted["correct"].sum() > 0.5 * shouted["responded"].sum()


def test_a_stimulus_with_two_categories_in_two_subject_files_is_an_error(capsys, work):
    files = sorted((work / "H").glob("*subject-*.csv"))
    d = pd.read_csv(files[1], dtype=str, keep_default_na=False)
    name = d["imagename"].iloc[0]
    d.loc[0, "category"] = "oven" if d.loc[0, "category"] != "oven" else "knife"
    d.to_csv(files[1], index=False)
    code, _, err = cli(capsys, "compare-rt", work / "times.csv", work / "H", "--out", work / "out", *FAST)
    line = one_line_error(code, err, "has category", files[1].name, "one category per stimulus")
    assert name.split("_", 6)[6] in line and any(f.name in line for f in files if f != files[1])
    assert not (work / "out").exists()


def test_long_csv_categories_and_responses_are_normalised(tmp_path):
    from neurogrow.human import load_human

    rows = [("s1", "a.png", 0.5, "Knife ", "knife"), ("s2", "a.png", 0.6, "knife", " KNIFE"), ("s1", "b.png", 0.7, "oven", "Oven")]
    pd.DataFrame(rows, columns=["subject", "stimulus", "rt", "category", "response"]).to_csv(tmp_path / "l.csv", index=False)
    t = load_human(tmp_path / "l.csv").trials
    assert list(t["category"]) == ["knife", "knife", "oven"] and list(t["response"]) == ["knife", "knife", "oven"]
    pd.DataFrame([("s1", "a.png", 0.5, "knife"), ("s2", "a.png", 0.6, "oven")], columns=["subject", "stimulus", "rt", "category"]).to_csv(
        tmp_path / "c.csv", index=False)
    from neurogrow.errors import DataError

    with pytest.raises(DataError, match=r"'knife' in .*c.csv line 2 but 'oven' in .*c.csv line 3"):
        load_human(tmp_path / "c.csv")
