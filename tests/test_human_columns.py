"""Your own trial files: a column map for long-format CSVs, format detection that lists what it tried,
a non-CSV named as such, and API errors in the API's words."""
import numpy as np
import pandas as pd
import pytest

import neurogrow
from neurogrow.cli import main
from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human import load_human

from conftest import ROOT


def _own_csv(tmp_path, n_images=8, n_subjects=5, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        for i in range(n_images):
            rows.append({"participant": f"p{s}", "image": f"img{i}.png", "reaction_time": 0.5 + 0.05 * i + rng.normal(0, 0.02),
                         "hit": int(rng.random() > 0.2)})
    trials = tmp_path / "mine.csv"
    pd.DataFrame(rows).to_csv(trials, index=False)
    times = tmp_path / "times.csv"
    pd.DataFrame({"stimulus": [f"img{i}.png" for i in range(n_images)], "model_time": np.arange(n_images) + 1.0}).to_csv(times, index=False)
    return trials, times


@pytest.mark.parametrize("columns", [
    "subject=participant,stimulus=image,rt=reaction_time,correct=hit",
    {"subject": "participant", "stimulus": "image", "rt": "reaction_time", "correct": "hit"},
])
def test_a_column_map_reads_a_long_csv_with_its_own_names(tmp_path, columns):
    trials, _ = _own_csv(tmp_path)
    data = load_human(trials, columns=columns)
    assert data.format == "long_csv" and len(data.trials) == 40
    assert set(data.trials["stimulus"]) == {f"img{i}.png" for i in range(8)}
    assert data.trials["correct"].notna().all()


def test_compare_rt_takes_columns_on_the_command_line_and_in_python(tmp_path, capsys):
    trials, times = _own_csv(tmp_path)
    argv = ["compare-rt", str(times), str(trials), "--out", str(tmp_path / "out"), "--n-boot", "20", "--n-perm", "20",
            "--n-splits", "5", "--no-mixed-model", "--columns", "subject=participant,stimulus=image,rt=reaction_time"]
    assert main(argv) == 0, capsys.readouterr().err
    result = neurogrow.compare_rt(times, trials, n_boot=20, n_perm=20, n_splits=5, mixed_model=False,
                                  columns={"subject": "participant", "stimulus": "image", "rt": "reaction_time"})
    assert result.summary["n_stimuli"] == 8 and result.summary["spearman"]["r"] > 0.9


def test_without_a_column_map_every_format_tried_is_listed(tmp_path, capsys):
    trials, times = _own_csv(tmp_path)
    assert main(["compare-rt", str(times), str(trials), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    for needs in ("long-format CSV needs subject, stimulus, rt", "CIFAR-10H per-trial CSV needs annotator_id",
                  "Geirhos et al. 2019 trial CSV needs subj", "CIFAR-10H counts is a .npy file", "--columns"):
        assert needs in err
    assert "annotator_id, is_attn_check" not in err.split("Tried:")[0]  # not taken for CIFAR-10H


def test_a_column_map_naming_a_missing_or_unknown_column_is_refused(tmp_path):
    trials, _ = _own_csv(tmp_path)
    with pytest.raises(DataError, match="names reaction_seconds, which the file does not have"):
        load_human(trials, columns="subject=participant,stimulus=image,rt=reaction_seconds")
    with pytest.raises(DataError, match="latency is not a long-format column"):
        load_human(trials, columns="latency=reaction_time")


@pytest.mark.parametrize("name, content, what", [
    ("photo.jpg", None, "a JPEG image"),
    ("noext", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" * 20, "a binary file"),
])
def test_a_non_csv_is_named_as_such(tmp_path, capsys, name, content, what):
    path = tmp_path / name
    if content is None:
        path.write_bytes((ROOT / "human_data" / "geirhos2019" / "stimuli" / "edges" / "cat" / "cat1.png").read_bytes())
    else:
        path.write_bytes(content)
    with pytest.raises(DataError, match=f"{what}, not human data; HUMAN must be"):
        load_human(path)
    _, times = _own_csv(tmp_path)
    assert main(["compare-rt", str(times), str(path), "--out", str(tmp_path / "o")]) == 2
    assert "not human data" in capsys.readouterr().err


def test_api_errors_speak_the_apis_words(tmp_path):
    trials, times = _own_csv(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "x").write_text("x")
    with pytest.raises(NeurogrowError, match="overwrite=True") as info:
        neurogrow.compare_rt(times, trials, out, columns="subject=participant,stimulus=image,rt=reaction_time")
    assert "--overwrite" not in str(info.value)
    with pytest.raises(NeurogrowError) as info:
        neurogrow.compare_rt(times, trials)
    assert "--columns" not in str(info.value) and "columns" in str(info.value)
