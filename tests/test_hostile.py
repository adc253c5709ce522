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


# --------------------------------------------------------------------------- 2. the times file checked as a whole, in one open


def times_h5(path: Path, n_steps: int = 4, n_classes: int = 10) -> Path:
    """A valid times file on the edge stimuli (random halting and probabilities)."""
    from neurogrow.io import write_times

    stims = sorted(str(p.relative_to(STIMULI)) for p in STIMULI.glob("*/*.png"))
    rng = np.random.default_rng(1)
    halting = rng.dirichlet(np.ones(n_steps), len(stims))
    probs = rng.dirichlet(np.ones(n_classes), (len(stims), n_steps))
    write_times(path, pd.DataFrame({"stimulus": stims}), probs, halting, [f"c{k}" for k in range(n_classes)])
    return path


def _replace(f, key: str, data) -> None:
    del f[key]
    f.create_dataset(key, data=data)


INCONSISTENT = {
    "probs of another model": (lambda f: _replace(f, "probs", f["probs"][:, :3, :]), "/probs has shape 160x3x10; expected 160x4x10"),
    "halting of other steps": (lambda f: _replace(f, "halting", f["halting"][:, :3]), "/halting has shape 160x3; expected 160x4"),
    "short label": (lambda f: _replace(f, "label", f["label"][:100]), "/label has shape 100; expected 160"),
    "long expected_steps": (lambda f: _replace(f, "expected_steps", np.r_[f["expected_steps"][()], 2.0]), "/expected_steps has shape 161"),
    "class names": (lambda f: _replace(f, "class_names", f["class_names"][:9]), "/class_names has shape 9; expected 10"),
    "text attribute": (lambda f: f.attrs.__setitem__("n_steps", "four"), "root attribute n_steps is 'four'; expected an integer"),
    "float attribute": (lambda f: f.attrs.__setitem__("n_stimuli", 160.5), "root attribute n_stimuli is 160.5"),
    "threshold text": (lambda f: f.attrs.__setitem__("exit_threshold", "half"), "root attribute exit_threshold is 'half'"),
    "text numbers": (lambda f: _replace(f, "expected_steps", np.array([b"2.0"] * 160)), "/expected_steps holds"),
    "missing halting": (lambda f: f.__delitem__("halting"), "dataset /halting is missing"),
    "group for data": (lambda f: (f.__delitem__("exit_step"), f.create_group("exit_step")), "/exit_step is a group"),
}


@pytest.mark.parametrize("case", sorted(INCONSISTENT))
def test_an_inconsistent_times_file_is_one_line(capsys, tmp_path, case):
    import h5py

    edit, needle = INCONSISTENT[case]
    h5 = times_h5(tmp_path / "t.h5")
    with h5py.File(h5, "r+") as f:
        edit(f)
    before = snapshot(tmp_path)
    code, _, err = cli(capsys, "compare-rt", h5, EDGES, "--out", tmp_path / "out", *FAST)
    one_line_error(code, err, str(h5), needle)
    assert snapshot(tmp_path) == before


def test_a_corrupted_chunk_is_one_line_naming_the_dataset(capsys, tmp_path):
    import h5py

    h5 = times_h5(tmp_path / "t.h5")
    with h5py.File(h5, "r") as f:
        info = f["probs"].id.get_chunk_info(0)
    data = bytearray(h5.read_bytes())
    data[info.byte_offset + 20: info.byte_offset + 120] = b"\x00" * 100
    h5.write_bytes(bytes(data))
    code, _, err = cli(capsys, "compare-rt", h5, EDGES, "--out", tmp_path / "out", *FAST)
    one_line_error(code, err, str(h5), "dataset /probs cannot be read")
    assert not (tmp_path / "out").exists()


def test_the_times_file_is_opened_once(tmp_path, monkeypatch):
    """One open: E[t] and the baselines cannot come from two versions of a file replaced meanwhile."""
    import h5py

    from neurogrow.rt.model_times import load_model_times

    h5 = times_h5(tmp_path / "t.h5")
    opened = []
    real = h5py.File

    def counting(*args, **kwargs):
        opened.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(h5py, "File", counting)
    table = load_model_times(h5)
    assert len(opened) == 1 and "baseline:step1_entropy" in table.columns


@pytest.mark.parametrize("value", ["1e308", "inf", "-inf", "1000001"])
def test_absurd_model_times_in_a_csv_are_an_error(capsys, tmp_path, value):
    times = model_csv(tmp_path / "t.csv")
    d = pd.read_csv(times)
    d["model_time"] = d["model_time"].astype(object)
    d.loc[5, "model_time"] = value
    d.to_csv(times, index=False)
    code, _, err = cli(capsys, "compare-rt", times, EDGES, "--out", tmp_path / "out", *FAST)
    one_line_error(code, err, "line 7", "model_time")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- 4. images


def _png(path: Path, value: int = 0) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(path)
    return path


def test_folder_symlinks_are_not_followed_and_every_unread_file_is_reported(capsys, tmp_path):
    from PIL import Image

    from neurogrow.data import load_image_folder
    from neurogrow.io import read_attrs

    root = tmp_path / "S"
    for k in range(3):
        _png(root / "cat" / f"c{k}.png", 10 * k)
        _png(root / "dog" / f"d{k}.png", 100 + 10 * k)
    (tmp_path / "outside").mkdir()
    _png(tmp_path / "outside" / "x.png")
    (root / "loop").symlink_to(root)  # a symlink to "." doubled the stimuli under a bogus class
    (root / "dog" / "away").symlink_to(tmp_path / "outside")
    frames = [Image.fromarray(np.full((8, 8, 3), v, np.uint8)) for v in (0, 255)]
    frames[0].save(root / "cat" / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(root / "cat" / "w.webp")
    frames[0].save(root / "cat" / "t.tiff")
    (root / "cat" / "v.svg").write_text("<svg/>")
    (root / "cat" / "noext").write_bytes((root / "cat" / "c0.png").read_bytes())
    data = load_image_folder(root, size=8)
    assert data.class_names == ["cat", "dog"] and len(data) == 6
    assert len(data.skipped) == 7 and any("loop: a symlinked folder" in s for s in data.skipped)
    code, _, err = cli(capsys, "extract", "blt-cifar10-adaptive", "--images", root, "--out", tmp_path / "t.h5")
    assert code == 0, err
    assert "7 entries not read" in err and "anim.gif" in err
    attrs = read_attrs(tmp_path / "t.h5")
    assert attrs["files_not_read"] == 7 and "cat/anim.gif" in attrs["files_not_read_first"]


def test_zero_size_closed_truncated_and_animated_images_are_errors(tmp_path):
    from PIL import Image

    import neurogrow
    from neurogrow.errors import DataError

    with pytest.raises(DataError, match="no pixels"):
        neurogrow.classify(np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(DataError, match="no pixels"):
        neurogrow.classify(np.zeros((0, 32, 3), np.float32))
    with pytest.raises(DataError, match="0x5 pixels"):
        neurogrow.classify(Image.new("RGB", (0, 5)))
    closed = Image.open(_png(tmp_path / "a.png"))
    closed.close()
    with pytest.raises(DataError, match="cannot be read"):
        neurogrow.classify(closed)
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "b.png")
    data = (tmp_path / "b.png").read_bytes()
    (tmp_path / "t.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"t\.png"):
        neurogrow.classify(Image.open(tmp_path / "t.png"))
    frames = [Image.fromarray(np.full((8, 8, 3), v, np.uint8)) for v in (0, 255)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with pytest.raises(DataError, match="2 frames"):
        neurogrow.classify(Image.open(tmp_path / "anim.gif"))


# --------------------------------------------------------------------------- 5. a full disk, seeds


def _enospc(*args, **kwargs):
    import errno
    import os

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_is_one_line_and_leaves_nothing(capsys, work, monkeypatch):
    import h5py

    monkeypatch.setattr(pd.DataFrame, "to_csv", _enospc)
    code, _, err = cli(capsys, "-q", "compare-rt", work / "times.csv", work / "H", "--out", work / "out", *FAST)
    one_line_error(code, err, "no space left")
    monkeypatch.undo()
    monkeypatch.setattr(h5py.Group, "create_dataset", _enospc)
    code, _, err = cli(capsys, "-q", "extract", "blt-cifar10-adaptive", "--images", work / "S", "--out", work / "t.h5")
    one_line_error(code, err, "no space left")
    assert sorted(p.name for p in work.iterdir()) == ["H", "S", "times.csv"]


def test_train_on_a_full_disk_leaves_nothing_that_blocks_the_rerun(capsys, tmp_path, monkeypatch, one_thread):
    import neurogrow.train.loop as loop

    tiny = ["data.dataset='synthetic'", "data.synthetic_size=64", "model.channels=[4,6]", "model.max_channels=8",
            "model.max_layers=2", "model.steps=2", "model.max_steps=3", "optim.epochs=1", "optim.batch_size=32"]
    argv = ["train", "--out", tmp_path / "run", "--quiet", *[f"--set={t}" for t in tiny]]
    monkeypatch.setattr(loop, "save_checkpoint", _enospc)
    code, _, err = cli(capsys, *argv)
    one_line_error(code, err, "no space left")
    monkeypatch.undo()
    code, _, err = cli(capsys, *argv)  # the same command again, once there is room
    assert code == 0, err
    assert (tmp_path / "run" / "model.pt").exists()


@pytest.mark.parametrize("seed", ["-1", "12345678901234567890"])
def test_bad_seeds_are_one_line(capsys, tmp_path, seed):
    code, _, err = cli(capsys, "compare-rt", model_csv(tmp_path / "t.csv"), EDGES, "--out", tmp_path / "o", "--seed", seed, *FAST)
    one_line_error(code, err, f"--seed {seed}", "expected an integer")
    code, _, err = cli(capsys, "train", "--out", tmp_path / "run", f"--set=seed={seed}")
    one_line_error(code, err, "seed")
    code, _, err = cli(capsys, "extract", "--images", STIMULI, "--out", tmp_path / "t.h5", "--seed", seed)
    one_line_error(code, err, f"--seed {seed}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


# --------------------------------------------------------------------------- 6. the Python API: the CLI's bad inputs, in Python words

API_BAD = {
    "n_boot text": ("compare_rt", {"n_boot": "100"}, "n_boot '100': expected an integer"),
    "n_boot float": ("compare_rt", {"n_boot": 100.0}, "n_boot 100.0: expected an integer"),
    "n_boot bool": ("compare_rt", {"n_boot": True}, "n_boot True: expected an integer"),
    "seed negative": ("compare_rt", {"seed": -1}, "seed -1: expected an integer >= 0"),
    "seed huge": ("compare_rt", {"seed": 10**20}, "seed 100000000000000000000"),
    "human list": ("compare_rt", {"human": [EDGES]}, "human [PosixPath"),
    "correct_only text": ("compare_rt", {"correct_only": "yes"}, "correct_only 'yes': expected True or False"),
    "overwrite int": ("compare_rt", {"overwrite": 1}, "overwrite 1: expected True or False"),
    "batch_size text": ("classify", {"batch_size": "abc"}, "batch_size 'abc': expected an integer"),
    "threshold text": ("classify", {"threshold": "0.5"}, "threshold '0.5'"),
    "extract seed": ("extract", {"seed": -1}, "seed -1"),
    "extract batch": ("extract", {"batch_size": "abc"}, "batch_size 'abc'"),
    "rsa n_boot": ("compare_rsa", {"n_boot": "10"}, "n_boot '10'"),
    "rsa human tuple": ("compare_rsa", {"human": (EDGES,)}, "human (PosixPath"),
}


@pytest.mark.parametrize("case", sorted(API_BAD))
def test_the_api_checks_its_arguments(tmp_path, case):
    import neurogrow
    from neurogrow.errors import NeurogrowError

    fn, kwargs, needle = API_BAD[case]
    call = {
        "compare_rt": lambda **kw: neurogrow.compare_rt(model_csv(tmp_path / "t.csv"), kw.pop("human", EDGES), **kw),
        "classify": lambda **kw: neurogrow.classify(np.zeros((8, 8, 3), np.uint8), **kw),
        "extract": lambda **kw: neurogrow.extract(images=STIMULI, **kw),
        "compare_rsa": lambda **kw: neurogrow.compare_rsa("blt-cifar10-adaptive", kw.pop("human", EDGES), **kw),
    }[fn]
    with pytest.raises(NeurogrowError) as exc:
        call(**kwargs)
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg and "--" not in msg, msg


CLI_BAD = [  # the command line's bad inputs, run through the API too: the same error, in Python words
    (["--n-boot", "5"], {"n_boot": 5}, "n_boot 5: expected an integer >= 10"),
    (["--seed", "-1"], {"seed": -1}, "seed -1: expected an integer >= 0"),
    (["--n-perm", "-3"], {"n_perm": -3}, "n_perm -3: expected an integer >= 0"),
    (["--rt-max", "-1"], {"rt_max": -1.0}, "rt_max"),
]


@pytest.mark.parametrize("argv,kwargs,needle", CLI_BAD)
def test_the_cli_bad_inputs_through_the_api(capsys, tmp_path, argv, kwargs, needle):
    import neurogrow
    from neurogrow.errors import NeurogrowError

    times = model_csv(tmp_path / "t.csv")
    code, _, err = cli(capsys, "compare-rt", times, EDGES, "--out", tmp_path / "o", *argv)
    line = one_line_error(code, err)
    with pytest.raises(NeurogrowError) as exc:
        neurogrow.compare_rt(times, EDGES, tmp_path / "o", **kwargs)
    assert needle in str(exc.value) and str(exc.value) in line.replace(argv[0], argv[0][2:].replace("-", "_")), (str(exc.value), line)
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- 5b. a real full disk (a small tmpfs)


@pytest.fixture
def tiny_disk(tmp_path):
    """Mount a tmpfs at ``tmp_path/disk``; yields a function that (re)sizes it. Needs permission to mount."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    state = {"mounted": False}

    def size(nbytes: str) -> Path:
        opts = f"size={nbytes}" + (",remount" if state["mounted"] else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(disk)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): the simulated ENOSPC tests above still run")
        state["mounted"] = True
        return disk

    yield size
    if state["mounted"]:
        subprocess.run(["umount", str(disk)], check=False)


def _neurogrow(*argv) -> tuple[int, str]:
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "neurogrow", "-q", *map(str, argv)], capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=600)
    return done.returncode, done.stderr


def _one_disk_line(code: int, err: str) -> None:
    # a segmentation fault is -11; HDF5's or torch's own errors are many lines
    lines = [ln for ln in err.strip().splitlines() if "note:" not in ln]
    assert code == 2 and len(lines) == 1 and "no space left on the disk" in lines[0], (code, err[-3000:])


@pytest.mark.parametrize("size", ["8k", "64k", "256k"])
def test_extract_with_activations_on_a_full_tmpfs_is_one_line_and_leaves_nothing(tiny_disk, size):
    # the file is about 0.9 MB: each size fills the disk at a different point of the write
    disk = tiny_disk(size)
    code, err = _neurogrow("extract", "blt-cifar10-adaptive", "--images", STIMULI, "--out", disk / "t.h5", "--activations",
                           "--class-map", "geirhos16")
    _one_disk_line(code, err)
    assert list(disk.iterdir()) == []


@pytest.mark.parametrize("size", ["16k", "200k"])
def test_compare_rt_on_a_full_tmpfs_is_one_line_and_leaves_nothing(tiny_disk, work, size):
    disk = tiny_disk(size)
    code, err = _neurogrow("compare-rt", work / "times.csv", work / "H", "--out", disk / "rt", *FAST)
    _one_disk_line(code, err)
    assert list(disk.iterdir()) == []


@pytest.mark.parametrize("size", ["12k", "40k"])
def test_train_on_a_full_tmpfs_is_one_line_and_the_rerun_finishes(tiny_disk, size):
    tiny = ["data.dataset='synthetic'", "data.synthetic_size=64", "model.channels=[4,6]", "model.max_channels=8",
            "model.max_layers=2", "model.steps=2", "model.max_steps=3", "optim.epochs=2", "optim.batch_size=32", "amp=false"]
    disk = tiny_disk(size)
    argv = ["train", "--out", disk / "run", "--quiet", *[f"--set={t}" for t in tiny]]
    code, err = _neurogrow(*argv)
    _one_disk_line(code, err)
    assert "--resume" in err
    tiny_disk("4m")  # room again
    code, err = _neurogrow(*argv)
    assert code == 0, err
    assert (disk / "run" / "model.pt").is_file()
