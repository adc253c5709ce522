"""neurogrow.human: the loaders of each human-data format and their input checks."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from neurogrow.errors import DataError
from neurogrow.human import HumanData, detect_format, load_human

from conftest import EDGES, SHARED_CIFAR, SILHOUETTES
from conftest import HUMAN_DATA as HUMAN

SHARED_LABELS = SHARED_CIFAR / "cifar10_test_labels.npy"

GEIRHOS_HEADER = "subj,session,trial,rt,object_response,category,condition,imagename"


def _one_line_error(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("folder, no_response", [(EDGES, 34), (SILHOUETTES, 22)])
def test_shipped_geirhos_data(folder, no_response):
    h = load_human(folder)
    assert isinstance(h, HumanData) and h.format == "geirhos2019"
    t = h.trials
    assert len(t) == 1600 and t["subject"].nunique() == 10 and t["stimulus"].nunique() == 160
    assert int((~t["responded"]).sum()) == no_response
    assert t.loc[~t["responded"], "rt"].isna().all()
    assert (t.loc[t["responded"], "rt"] > 0).all()
    assert t["stimulus"].str.fullmatch(r"[a-z]+\d+\.png").all()
    assert t["category"].nunique() == 16
    assert (t.groupby("stimulus")["category"].nunique() == 1).all()
    assert t["correct"].isna().sum() == no_response


def test_geirhos_median_rt_matches_science_md():
    t = load_human(EDGES).trials
    assert t.loc[t["responded"], "rt"].median() == pytest.approx(0.79, abs=0.005)


def test_geirhos_correctness_and_stimulus_name():
    t = load_human(EDGES).trials
    raw = pd.read_csv(EDGES / "edge-experiment_subject-03_session_1.csv")
    first = raw.iloc[2]  # subject-03 trial 3: keyboard for a bear
    row = t[(t["subject"] == "subject-03") & (t["stimulus"] == first["imagename"].split("_", 6)[6])].iloc[0]
    assert row["category"] == "bear" and row["correct"] == False  # noqa: E712
    assert row["rt"] == pytest.approx(first["rt"])


def _geirhos_dir(tmp_path, rows):
    d = tmp_path / "exp"
    d.mkdir()
    (d / "subject-01.csv").write_text(GEIRHOS_HEADER + "\n" + "\n".join(rows) + "\n")
    return d


GOOD = [
    "subject-01,1,1,0.8,oven,oven,0,0001_edg_s01_0_oven_00_oven10.png",
    "subject-01,1,2,NaN,na,cat,0,0002_edg_s01_0_cat_00_cat1.png",
]


def test_geirhos_non_response_is_not_an_error(tmp_path):
    h = load_human(_geirhos_dir(tmp_path, GOOD))
    assert h.trials["responded"].tolist() == [True, False]


def test_geirhos_keeps_the_response_of_every_trial(tmp_path):
    """RSA's confusions read the response from here: lower-cased, None without a response."""
    rows = [*GOOD, "subject-01,1,3,0.9,Dog,cat,0,0003_edg_s01_0_cat_00_cat2.png"]
    t = load_human(_geirhos_dir(tmp_path, rows)).trials
    assert t["response"].tolist() == ["oven", None, "dog"]


def test_shipped_geirhos_responses_match_the_files():
    """The response column is object_response of the trial CSVs, row by row."""
    import pandas as pd

    t = load_human(EDGES).trials
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(EDGES.glob("*.csv"))], ignore_index=True)
    expected = [r.lower() if r.lower() != "na" else None for r in raw["object_response"]]
    assert t["response"].tolist() == expected


@pytest.mark.parametrize(
    "bad_row, match",
    [
        ("subject-01,1,3,NaN,dog,dog,0,0003_edg_s01_0_dog_00_dog1.png", "line 4: rt is missing"),
        ("subject-01,1,3,-0.5,dog,dog,0,0003_edg_s01_0_dog_00_dog1.png", "line 4: rt is -0.5"),
        ("subject-01,1,3,fast,dog,dog,0,0003_edg_s01_0_dog_00_dog1.png", "line 4: column rt is 'fast'"),
        ("subject-01,1,3,0.7,dog,dog,0,dog1.png", "line 4: imagename 'dog1.png'"),
        ("subject-01,1,3,0.7,oven,oven,0,0003_edg_s01_0_oven_00_oven10.png", "duplicate trial"),
    ],
)
def test_geirhos_bad_rows(tmp_path, bad_row, match):
    with pytest.raises(DataError, match=match) as exc:
        load_human(_geirhos_dir(tmp_path, GOOD + [bad_row]))
    _one_line_error(exc)


def test_geirhos_missing_column(tmp_path):
    d = tmp_path / "exp"
    d.mkdir()
    (d / "s1.csv").write_text("subj,rt,object_response,imagename\nsubject-01,0.8,oven,0001_edg_s01_0_oven_00_oven10.png\n")
    # no 'category' and no long-format columns: the folder loader names the missing column
    with pytest.raises(DataError, match=r"missing column.*category") as exc:
        load_human(d)
    _one_line_error(exc)


def test_geirhos_folder_of_experiments_is_refused():
    with pytest.raises(DataError, match="edge-experiment, silhouette-filled-experiment"):
        load_human(HUMAN / "geirhos2019" / "raw-data")


def _long(tmp_path, text, name="trials.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_long_csv(tmp_path):
    p = _long(
        tmp_path,
        "subject,stimulus,rt,correct,category\n"
        "s1,stimuli/edges/oven/oven10.png,0.8,1,oven\n"
        "s1,cat1.png,0.9,false,cat\n"
        "s2,oven10.png,1.1,TRUE,oven\n",
    )
    assert detect_format(p) == "long_csv"
    t = load_human(p).trials
    assert t["stimulus"].tolist() == ["oven10.png", "cat1.png", "oven10.png"]
    assert t["correct"].tolist() == [True, False, True]
    assert t["rt"].tolist() == [0.8, 0.9, 1.1]
    assert t["responded"].all()


def test_long_csv_response_column_marks_non_responses(tmp_path):
    p = _long(tmp_path, "subject,stimulus,rt,response\ns1,a.png,0.8,cat\ns1,b.png,,na\n")
    t = load_human(p).trials
    assert t["responded"].tolist() == [True, False]
    assert t["response"].tolist() == ["cat", None]


@pytest.mark.parametrize(
    "text, match",
    [
        ("subject,stimulus\ns1,a.png\n", r"long-format CSV needs subject, stimulus, rt \(missing rt\)"),
        ("subject,stimulus,rt\ns1,a.png,0.8\ns1,b.png,\n", "line 3: rt is missing"),
        ("subject,stimulus,rt\ns1,a.png,0.8\ns1,b.png,NaN\n", "line 3: rt is missing"),
        ("subject,stimulus,rt\ns1,a.png,0.8\ns1,b.png,-1\n", "line 3: rt is -1"),
        ("subject,stimulus,rt\ns1,a.png,0.8\ns1,b.png,abc\n", "line 3: column rt is 'abc'"),
        ("subject,stimulus,rt\ns1,a.png,0.8\ns1,x/a.png,0.7\n", "duplicate trial.*'a.png'"),
        ("subject,stimulus,rt,correct\ns1,a.png,0.8,maybe\n", "line 2: column correct is 'maybe'"),
        ("subject,stimulus,rt\ns1,a.png,812\ns1,b.png,790\n", "median RT 801 .*look like milliseconds"),
        ("subject,stimulus,rt,response\ns1,a.png,,cat\n", "line 2: rt is missing"),
    ],
)
def test_long_csv_bad_input(tmp_path, text, match):
    with pytest.raises(DataError, match=match) as exc:
        load_human(_long(tmp_path, text))
    _one_line_error(exc)


CIFAR_HEADER = (
    "annotator_id,trial_index,is_attn_check,true_category,chosen_category,true_label,chosen_label,"
    "correct_guess,cifar10_test_set_idx,image_filename,subcategory,reaction_time,time_elapsed"
)


def _cifar_rows():
    rows = []
    rng = np.random.default_rng(0)
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    elapsed = {0: 0, 1: 0}
    for ann in (0, 1):
        for trial, idx in enumerate([0, 1, 2, 3, -99999]):
            attn = int(idx < 0)
            true = [3, 8, 8, 0][idx] if not attn else 1
            chosen = true if (trial + ann) % 3 else 5
            rt = float(rng.integers(600, 3000))
            elapsed[ann] += rt
            rows.append(
                f"{ann},{trial},{attn},{classes[true]},{classes[chosen]},{true},{chosen},{int(true == chosen)},"
                f"{idx},{classes[true]}-{idx}.png,sub,{rt},{elapsed[ann]}"
            )
    return rows


def test_cifar10h_trials_in_the_upstream_format(tmp_path):
    rows = _cifar_rows()
    p = _long(tmp_path, CIFAR_HEADER + "\n" + "\n".join(rows) + "\n", "cifar10h-raw.csv")
    assert detect_format(p) == "cifar10h_trials"
    h = load_human(p)
    t = h.trials
    assert h.format == "cifar10h_trials"
    assert len(t) == 8  # 2 annotators x 4 images; attention checks dropped
    assert sorted(t["stimulus"].unique()) == ["0", "1", "2", "3"]
    raw = pd.read_csv(p)
    raw = raw[raw["is_attn_check"] == 0]
    np.testing.assert_allclose(t["rt"].to_numpy(), raw["reaction_time"].to_numpy() / 1000.0)  # ms -> s
    assert t["correct"].tolist() == raw["correct_guess"].astype(bool).tolist()
    assert t["category"].tolist() == raw["true_category"].tolist()
    assert t["subject"].tolist() == raw["annotator_id"].astype(str).tolist()


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda r: r.replace(",1843.0,", ",-5.0,", 1), "rt is -5"),
        (lambda r: r.replace(",1843.0,", ",,", 1), "rt is missing"),
        (lambda r: r.replace("sub,1843.0", "sub,slow", 1), "column reaction_time is 'slow'"),
    ],
)
def test_cifar10h_trials_bad_rt(tmp_path, edit, match):
    rows = _cifar_rows()
    rows[1] = rows[1].rsplit(",", 2)[0] + ",1843.0," + rows[1].rsplit(",", 1)[1]
    rows[1] = edit(rows[1])
    p = _long(tmp_path, CIFAR_HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=match) as exc:
        load_human(p)
    _one_line_error(exc)


def test_cifar10h_counts_shipped():
    h = load_human(HUMAN / "cifar10h" / "cifar10h-counts.npy")
    assert h.format == "cifar10h_counts" and not h.has_trials
    img = h.images
    assert len(img) == 10000 and img["stimulus"].iloc[17] == "17"
    assert img["n_responses"].between(47, 63).all()
    assert img["entropy"].between(0, np.log2(10)).all()
    assert img["accuracy"].mean() == pytest.approx(0.954, abs=0.002)  # plurality reference, noted
    assert any("plurality" in n for n in h.notes)
    assert h.reference_is_plurality  # the split-half ceiling then scores each half on its own plurality
    assert any("each half against that half's own plurality" in n for n in h.notes)
    np.testing.assert_array_equal(h.reference, h.counts.argmax(1))


@pytest.mark.skipif(not SHARED_LABELS.exists(), reason="needs ../shared/data/cifar10-jpeg")
def test_cifar10h_counts_accuracy_with_true_labels_matches_science_md():
    h = load_human(HUMAN / "cifar10h" / "cifar10h-counts.npy", labels=SHARED_LABELS)
    assert h.images["accuracy"].mean() == pytest.approx(0.952, abs=0.001)


def test_cifar10h_counts_labels_next_to_the_counts_file(tmp_path):
    counts = np.array([[5, 1, 0], [0, 2, 4], [3, 3, 0]])
    np.save(tmp_path / "counts.npy", counts)
    np.save(tmp_path / "cifar10_test_labels.npy", np.array([0, 1, 1]))
    h = load_human(tmp_path / "counts.npy")
    np.testing.assert_allclose(h.images["accuracy"], [5 / 6, 2 / 6, 3 / 6])
    assert h.images["category"].tolist() == ["class0", "class1", "class1"]
    assert not h.reference_is_plurality


@pytest.mark.parametrize(
    "array, match",
    [
        (np.full((4, 10), 0.1), "expected integer counts"),
        (np.ones(10, dtype=int), "expected counts of shape"),
        (np.array([[3, -1], [2, 2]]), "negative count"),
        (np.array([[3, 1], [0, 0]]), "row 1 has 0 responses"),
    ],
)
def test_cifar10h_counts_bad(tmp_path, array, match):
    np.save(tmp_path / "c.npy", array)
    with pytest.raises(DataError, match=match) as exc:
        load_human(tmp_path / "c.npy")
    _one_line_error(exc)


def test_detect_format(tmp_path):
    assert detect_format(EDGES) == "geirhos2019"
    assert detect_format(HUMAN / "cifar10h" / "cifar10h-counts.npy") == "cifar10h_counts"
    single = tmp_path / "one.csv"
    shutil.copy(next(EDGES.glob("*.csv")), single)
    assert detect_format(single) == "geirhos2019"
    assert len(load_human(single).trials) == 160
    unknown = _long(tmp_path, "a,b\n1,2\n", "u.csv")
    with pytest.raises(DataError, match="unknown human-data format"):
        load_human(unknown)
    with pytest.raises(DataError, match="no such file"):
        load_human(tmp_path / "missing.csv")
