"""The failures reported in issue 13, reproduced: silently wrong answers, tracebacks, wrong successes,
debris and races. Each bad input must give one line on stderr, exit code 2 and nothing written;
each fixed case the right answer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from neurogrow.cli import main
from neurogrow.human import load_human
from neurogrow.human.validate import OUTLIER_FACTOR, RT_MAX_DEFAULT_S

ROOT = Path(__file__).resolve().parents[1]
GEIRHOS = ROOT / "human_data" / "geirhos2019"
EDGES = GEIRHOS / "raw-data" / "edge-experiment"
FAST = ["--n-boot", "50", "--n-perm", "50", "--n-splits", "5", "--no-mixed-model"]
TINY = [
    "data.dataset='synthetic'",
    "data.synthetic_size=64",
    "model.channels=[4,6]",
    "model.max_channels=8",
    "model.max_layers=2",
    "model.steps=2",
    "model.max_steps=3",
    "optim.epochs=2",
    "optim.batch_size=32",
    "optim.lr=0.05",
]


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], lines[0]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def edge_stimuli() -> list[str]:
    d = GEIRHOS / "stimuli" / "edges"
    return sorted(str(p.relative_to(d)) for p in d.glob("*/*.png"))


def model_csv(path: Path, times=None) -> Path:
    stims = edge_stimuli()
    t = np.random.default_rng(0).gamma(3.0, 1.0, len(stims)) if times is None else times
    pd.DataFrame({"stimulus": stims, "model_time": t}).to_csv(path, index=False)
    return path


def long_csv(path: Path, edit=None) -> Path:
    t = load_human(EDGES).trials
    t = t[t["responded"]]
    d = pd.DataFrame({"subject": t["subject"], "stimulus": t["stimulus"], "rt": t["rt"], "category": t["category"]})
    d = d.reset_index(drop=True)
    if edit is not None:
        d = edit(d)
    d.to_csv(path, index=False)
    return path


@pytest.fixture
def unwritable(tmp_path) -> Path:
    """A folder nobody may write in: a read-only folder, or (as root, who ignores modes) /sys."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        (ro / "probe").write_text("x")
        (ro / "probe").unlink()
    except OSError:
        yield ro
        ro.chmod(0o755)
        return
    ro.chmod(0o755)
    if os.access("/sys", os.W_OK) and Path("/sys").is_dir():
        try:
            Path("/sys/.neurogrow-probe").write_text("x")
        except OSError:
            yield Path("/sys")
            return
    pytest.skip("no unwritable folder available")


# --------------------------------------------------------------------------- silently wrong: RT units


def test_geirhos_csvs_in_milliseconds_are_an_error(capsys, tmp_path):
    human = tmp_path / "ms"
    human.mkdir()
    for f in sorted(EDGES.glob("*.csv")):
        d = pd.read_csv(f)
        d["rt"] = d["rt"] * 1000
        d.to_csv(human / f.name, index=False)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "compare-rt", model_csv(tmp_path / "t.csv"), human, "--out", out, *FAST)
    one_line_error(code, err, "subject-01_session_1.csv", "median RT", "look like milliseconds", "--rt-unit ms")
    assert not out.exists()
    code, _, err = cli(capsys, "compare-rt", tmp_path / "t.csv", human, "--out", out, "--rt-unit", "ms", *FAST)
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["rt_checks"]["unit"] == "ms" and s["rt_checks"]["unit_source"] == "--rt-unit"
    # the same numbers as the file in seconds
    ref = tmp_path / "ref"
    assert cli(capsys, "compare-rt", tmp_path / "t.csv", EDGES, "--out", ref, *FAST)[0] == 0
    a, b = pd.read_csv(out / "per_image.csv"), pd.read_csv(ref / "per_image.csv")
    np.testing.assert_allclose(a["human_measure"], b["human_measure"], rtol=1e-9)


def test_one_subject_in_milliseconds_in_a_long_csv_is_an_error_naming_the_subject(capsys, tmp_path):
    human = long_csv(tmp_path / "h.csv", lambda d: d.assign(rt=np.where(d["subject"] == d["subject"].iloc[0], d["rt"] * 1000, d["rt"])))
    subject = pd.read_csv(human)["subject"].iloc[0]
    med = pd.read_csv(human).query("subject == @subject")["rt"].median()
    code, _, err = cli(capsys, "compare-rt", model_csv(tmp_path / "t.csv"), human, "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, f"subject {subject!r}", f"median RT {med:.4g}", "look like milliseconds")
    assert not (tmp_path / "o").exists()


def test_seconds_claimed_as_milliseconds_is_an_error(tmp_path):
    from neurogrow.errors import DataError
    from neurogrow.human import RTRules

    human = long_csv(tmp_path / "h.csv")
    with pytest.raises(DataError, match="look like seconds"):
        load_human(human, rt=RTRules(unit="ms"))


def test_an_absurd_rt_is_an_error_or_excluded_by_rt_max(capsys, tmp_path):
    human = long_csv(tmp_path / "h.csv", lambda d: d.assign(rt=d["rt"].where(d.index != 5, 1e12)))
    mt = model_csv(tmp_path / "t.csv")
    code, _, err = cli(capsys, "compare-rt", mt, human, "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, "line 7", "1e+12", f"above the plausibility bound of {RT_MAX_DEFAULT_S:g} s", "--rt-max")
    assert not (tmp_path / "o").exists()
    code, _, err = cli(capsys, "compare-rt", mt, human, "--out", tmp_path / "o", "--rt-max", "10", *FAST)
    assert code == 0, err
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["rt_checks"]["n_excluded_slow"] == 1 and s["rt_checks"]["n_excluded"] == 1
    assert s["rt_checks"]["rules"]["rt_max_s"] == 10
    assert sum(s["rt_checks"]["excluded_by_subject"].values()) == 1
    # equal to the analysis of the file without that trial
    clean = long_csv(tmp_path / "clean.csv", lambda d: d.drop(index=5))
    assert cli(capsys, "compare-rt", mt, clean, "--out", tmp_path / "ref", *FAST)[0] == 0
    ref = json.loads((tmp_path / "ref" / "summary.json").read_text())
    assert s["pearson"]["r"] == pytest.approx(ref["pearson"]["r"], abs=1e-12)
    assert s["n_trials"] == ref["n_trials"]


def test_extreme_outlier_rule(capsys, tmp_path):
    def edit(d):
        med = d.loc[d["subject"] == d["subject"].iloc[0], "rt"].median()
        return d.assign(rt=d["rt"].where(d.index != 0, med * OUTLIER_FACTOR * 1.5))

    human = long_csv(tmp_path / "h.csv", edit)
    code, _, err = cli(capsys, "compare-rt", model_csv(tmp_path / "t.csv"), human, "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, "line 2", "times that subject's median RT", "extreme-outlier rule")
    fast = long_csv(tmp_path / "f.csv", lambda d: d.assign(rt=d["rt"].where(d.index != 0, 0.01)))
    code, _, err = cli(capsys, "compare-rt", tmp_path / "t.csv", fast, "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, "line 2", "1/")
    code, _, err = cli(capsys, "compare-rt", tmp_path / "t.csv", fast, "--out", tmp_path / "o", "--rt-min", "0.1", *FAST)
    assert code == 0, err
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["rt_checks"]["n_excluded_fast"] == 1


def test_shipped_data_pass_the_checks_unchanged():
    h = load_human(EDGES)
    assert h.rt_checks["n_excluded"] == 0 and h.rt_checks["unit"] == "s"
    assert 0.7 < h.rt_checks["median_rt_s"] < 0.9


@pytest.mark.parametrize("args,needle", [(["--rt-unit", "min"], "invalid choice"), (["--rt-max", "-1"], "--rt-max -1"),
                                         (["--rt-min", "2", "--rt-max", "1"], "rt-min")])
def test_bad_rt_options(capsys, tmp_path, args, needle):
    with pytest.raises(SystemExit) if "invalid choice" in needle else _noop():
        code, _, err = cli(capsys, "compare-rt", model_csv(tmp_path / "t.csv"), EDGES, "--out", tmp_path / "o", *args, *FAST)
        one_line_error(code, err, needle)
    assert not (tmp_path / "o").exists()


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------------- silently wrong: model times


def test_negative_model_time_is_an_error(capsys, tmp_path):
    times = np.random.default_rng(0).gamma(3.0, 1.0, 160)
    times[4] = -2.5
    code, _, err = cli(capsys, "compare-rt", model_csv(tmp_path / "t.csv", times), EDGES, "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, "line 6", "model_time -2.5", "expected a time >= 0")
    assert not (tmp_path / "o").exists()


def _raw_h5(path: Path, expected, exit_step, halting) -> Path:
    """A times file written directly (bypassing write_times' checks), as another tool might."""
    from neurogrow.io import write_times

    stims = edge_stimuli()
    n = len(stims)
    h = np.full((n, 3), 1 / 3)
    write_times(path, pd.DataFrame({"stimulus": stims}), np.full((n, 3, 2), 0.5), h, ["a", "b"])
    with h5py.File(path, "a") as f:
        f["expected_steps"][...] = expected
        f["exit_step"][...] = exit_step
        f["halting"][...] = halting
    return path


@pytest.mark.parametrize(
    "case,needle",
    [("negative expected", "expected_steps is -2"), ("exit zero", "exit_step is 0"), ("exit beyond T", "exit_step is 4"),
     ("negative halting", "not monotone"), ("sum", "sum to 1.5"), ("inconsistent", "its halting distribution gives")],
)
def test_bad_step_counts_in_a_times_file(capsys, tmp_path, case, needle):
    n = 160
    h = np.full((n, 3), 1 / 3)
    exp = np.full(n, 2.0)
    ext = np.full(n, 2, dtype=np.int32)
    if case == "negative expected":
        exp[7] = -2
    elif case == "exit zero":
        ext[7] = 0
    elif case == "exit beyond T":
        ext[7] = 4
    elif case == "negative halting":
        h[7] = [0.8, -0.3, 0.5]
        exp[7] = 0.8 - 0.6 + 1.5
    elif case == "sum":
        h[7] = [0.5, 0.5, 0.5]
        exp[7] = 3.0
    elif case == "inconsistent":
        exp[7] = 2.5
    path = _raw_h5(tmp_path / "t.h5", exp, ext, h)
    code, _, err = cli(capsys, "compare-rt", path, EDGES, "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, "t.h5", needle)
    assert not (tmp_path / "o").exists()


def test_text_file_named_h5_and_a_counts_array_of_another_shape_name_the_cause(capsys, tmp_path):
    (tmp_path / "t.h5").write_text("stimulus,time\na.png,1\n")
    code, _, err = cli(capsys, "compare-rt", tmp_path / "t.h5", EDGES, "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, "not an HDF5 file")
    np.save(tmp_path / "c.npy", np.random.default_rng(0).integers(0, 5, (50, 3)) + 1)
    code, _, err = cli(capsys, "compare-rt", model_csv(tmp_path / "t.csv"), tmp_path / "c.npy", "--out", tmp_path / "o", *FAST)
    one_line_error(code, err, "no overlap", "shape (50, 3)", "3 classes", "test-set index")
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- silently wrong: images


def test_extract_reads_16_bit_and_transparent_images_correctly(capsys, tmp_path):
    rng = np.random.default_rng(0)
    img8 = rng.integers(0, 256, (32, 32), dtype=np.uint8)
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        (d / "cat").mkdir(parents=True)
    Image.fromarray(img8).save(a / "cat" / "x.png")
    Image.fromarray(img8.astype(np.uint16) * 257).save(b / "cat" / "x.png")  # the same picture in 16 bits
    drawing = np.full((32, 32, 3), 255, np.uint8)
    drawing[8:24, 16] = 0
    Image.fromarray(drawing).save(a / "cat" / "y.png")
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[8:24, 16, 3] = 255  # the same drawing: a black line on a transparent background
    Image.fromarray(rgba, mode="RGBA").save(b / "cat" / "y.png")
    for d in (a, b):
        code, _, err = cli(capsys, "extract", "blt-cifar10-adaptive", "--images", d, "--out", tmp_path / f"{d.name}.h5")
        assert code == 0, err
    from neurogrow.io import read_step_arrays

    np.testing.assert_array_equal(read_step_arrays(tmp_path / "a.h5").probs, read_step_arrays(tmp_path / "b.h5").probs)


# --------------------------------------------------------------------------- tracebacks and wrong successes: train


@pytest.mark.parametrize(
    "override,needle",
    [("optim.batch_size=0", "'optim.batch_size': 0"), ("optim.lr=-1", "'optim.lr': -1"),
     ("data.train_subset=-5", "'data.train_subset': -5"), ("optim.epochs=0", "'optim.epochs': 0"),
     ("optim.momentum=1.5", "optim.momentum"), ("optim.lr=nan", "finite"), ("data.classes=1", "data.classes"),
     ("growth.until_fraction=2", "growth.until_fraction"), ("seed=-1", "'seed'"), ("device='tpu'", "device")],
)
def test_train_config_values_are_checked_before_anything_is_written(capsys, tmp_path, override, needle):
    out = tmp_path / "deep" / "run"
    code, _, err = cli(capsys, "train", "--out", out, "--quiet", *[f"--set={o}" for o in TINY], "--set", override)
    one_line_error(code, err, needle, "expected")
    assert listing(tmp_path) == []


def test_train_bad_data_root_writes_nothing_and_a_corrected_retry_succeeds(capsys, tmp_path):
    out = tmp_path / "run"
    code, _, err = cli(capsys, "train", "--out", out, "--quiet", *[f"--set={o}" for o in TINY],
                       "--set", "data.dataset='cifar10'", "--set", f"data.root='{tmp_path / 'nowhere'}'")
    one_line_error(code, err, "nowhere")
    assert listing(tmp_path) == []
    # a run folder left by an older version (config.json only) does not block the corrected run either
    out.mkdir()
    (out / "config.json").write_text("{}")
    (out / ".checkpoint.pt.abc123.tmp").write_bytes(b"partial")
    code, _, err = cli(capsys, "train", "--out", out, "--quiet", *[f"--set={o}" for o in TINY])
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "checksums.json", "config.json", "data.json", "metrics.jsonl", "model.pt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("command", ["train", "extract", "compare-rt"])
def test_out_naming_a_file_or_an_unwritable_folder(capsys, tmp_path, unwritable, command):
    target = tmp_path / "afile"
    target.write_text("precious")
    for out, needle in ((target, "afile"), (unwritable / "out", str(unwritable)), (target / "sub", "afile")):
        if command == "train":
            argv = ["train", "--out", out, "--quiet", *[f"--set={o}" for o in TINY]]
        elif command == "extract":
            argv = ["extract", "blt-cifar10-adaptive", "--images", GEIRHOS / "stimuli" / "edges", "--out", out]
        else:
            argv = ["compare-rt", model_csv(tmp_path / "t.csv"), EDGES, "--out", out, *FAST]
        code, _, err = cli(capsys, *argv)
        one_line_error(code, err, needle)
        assert target.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "ro"] + (["t.csv"] if command == "compare-rt" else [])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("finished") / "run"
    assert main(["train", "--out", str(run), "--quiet", *[f"--set={o}" for o in TINY]]) == 0
    return run


def _copy_run(run: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(run, dest)
    return dest


def test_resume_of_a_finished_run_says_so_and_writes_nothing(capsys, tmp_path, finished_run):
    run = _copy_run(finished_run, tmp_path / "run")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in run.iterdir()}
    code, out, err = cli(capsys, "train", "--out", run, "--quiet", "--resume", *[f"--set={o}" for o in TINY])
    assert code == 0, err
    assert "already finished (2 epochs)" in err
    assert json.loads(out)["test_accuracy"] is not None
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in run.iterdir()} == before


def test_resume_with_a_truncated_model_file_is_an_error(capsys, tmp_path, finished_run):
    run = _copy_run(finished_run, tmp_path / "run")
    model = run / "model.pt"
    model.write_bytes(model.read_bytes()[:-100])
    code, _, err = cli(capsys, "train", "--out", run, "--quiet", "--resume", *[f"--set={o}" for o in TINY])
    one_line_error(code, err, "model.pt", "checksum")


def test_resume_with_a_changed_checkpoint_is_an_error(capsys, tmp_path, finished_run):
    run = _copy_run(finished_run, tmp_path / "run")
    ckpt = run / "checkpoint.pt"
    data = bytearray(ckpt.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle: torch may still load it
    ckpt.write_bytes(bytes(data))
    code, _, err = cli(capsys, "train", "--out", run, "--quiet", "--resume", *[f"--set={o}" for o in TINY])
    one_line_error(code, err, "checkpoint.pt", "checksum")


def test_resume_without_checkpoint_but_with_a_model_is_an_error_not_a_retrain(capsys, tmp_path, finished_run):
    run = _copy_run(finished_run, tmp_path / "run")
    (run / "checkpoint.pt").unlink()
    model_before = (run / "model.pt").read_bytes()
    code, _, err = cli(capsys, "train", "--out", run, "--quiet", "--resume", *[f"--set={o}" for o in TINY])
    one_line_error(code, err, "model.pt exists but checkpoint.pt is missing")
    assert (run / "model.pt").read_bytes() == model_before


def test_checksum_record_survives_a_kill_between_record_and_rename(tmp_path):
    """The record is updated before the rename; the file it replaces stays valid until the rename."""
    import torch

    from neurogrow.model.files import _record_checksum, atomic_save, file_checksum, verify_checksum

    path = tmp_path / "checkpoint.pt"
    atomic_save({"a": 1}, path, record=True)
    assert verify_checksum(path)
    torch.save({"a": 2}, tmp_path / "new")
    _record_checksum(path, file_checksum(tmp_path / "new"))  # killed here, before os.replace
    assert verify_checksum(path)  # the old file still verifies
    os.replace(tmp_path / "new", path)
    assert verify_checksum(path)
    path.write_bytes(b"garbage")
    from neurogrow.errors import CheckpointError

    with pytest.raises(CheckpointError, match="checksum"):
        verify_checksum(path)


# --------------------------------------------------------------------------- debris


def test_debris_of_killed_writes_is_removed_by_the_next_run(capsys, tmp_path):
    mt = model_csv(tmp_path / "t.csv")
    out = tmp_path / "out"
    # what a SIGKILL leaves: a temporary folder, a stale lock file, a replaced result's old copy
    (tmp_path / ".out.tmp-abc123").mkdir()
    (tmp_path / ".out.tmp-abc123" / "summary.json").write_text("{")
    (tmp_path / ".out.lock").write_text("99999\n")
    code, _, err = cli(capsys, "compare-rt", mt, EDGES, "--out", out, *FAST)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "t.csv"]
    # times files: a killed extract leaves .times.h5.*.tmp
    from neurogrow.io import write_times

    (tmp_path / ".times.h5.k1l2m3.tmp").write_bytes(b"\0" * 1000)
    write_times(tmp_path / "times.h5", pd.DataFrame({"stimulus": ["a"]}), np.full((1, 2, 2), 0.5), np.full((1, 2), 0.5), ["x", "y"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "t.csv", "times.h5"]


def test_a_kill_between_the_two_renames_of_a_replacement_keeps_the_old_result(tmp_path):
    from neurogrow.outputs import remove_debris

    (tmp_path / ".out.old-xyz").mkdir()
    (tmp_path / ".out.old-xyz" / "summary.json").write_text("old")
    (tmp_path / ".out.tmp-abc").mkdir()
    remove_debris(tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "summary.json").read_text() == "old"


def _fake_demo(monkeypatch, die_on_second_write: bool = False):
    import types

    import neurogrow
    import neurogrow.rt as rt

    def fake_extract_times(model, images_dir, **kwargs):
        stims = sorted(str(p.relative_to(images_dir)) for p in Path(images_dir).glob("*/*.png"))
        rng = np.random.default_rng(len(stims))
        table = pd.DataFrame({"stimulus": stims, "expected_steps": rng.gamma(3, 1, len(stims)), "exit_step": np.ones(len(stims), int)})
        probs = np.full((len(stims), 2, 3), 1 / 3)
        return types.SimpleNamespace(table=table, step_probs=probs, attrs={})

    monkeypatch.setattr(neurogrow, "load_model", lambda *a, **k: object(), raising=False)
    monkeypatch.setitem(sys.modules, "neurogrow.inference.extract", types.SimpleNamespace(extract_times=fake_extract_times))
    if die_on_second_write:
        original = rt.write_outputs
        calls = []

        def write_then_die(result, out_dir, *a, **k):
            calls.append(out_dir)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return original(result, out_dir, *a, **k)

        monkeypatch.setattr(rt, "write_outputs", write_then_die)


def test_demo_is_written_as_a_whole(capsys, tmp_path, monkeypatch):
    out = tmp_path / "demo_out"
    _fake_demo(monkeypatch, die_on_second_write=True)
    code, _, err = cli(capsys, "compare-rt", "--demo", "--out", out, *FAST)
    assert code == 130  # interrupted after writing edges: nothing of it is left
    assert listing(tmp_path) == []
    monkeypatch.undo()
    _fake_demo(monkeypatch)
    (tmp_path / ".demo_out.tmp-q1w2e3" / "edges").mkdir(parents=True)  # what a SIGKILL at that point leaves
    code, _, err = cli(capsys, "compare-rt", "--demo", "--out", out, *FAST)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_out"]
    assert sorted(p.name for p in out.iterdir()) == ["edges", "silhouettes"]


# --------------------------------------------------------------------------- concurrency


def test_a_second_writer_of_the_same_out_fails_at_once(capsys, tmp_path):
    mt = model_csv(tmp_path / "t.csv")
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom neurogrow.outputs import output_lock\n"
         f"with output_lock({str(out)!r}):\n    print('held', flush=True)\n    sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, err = cli(capsys, "compare-rt", mt, EDGES, "--out", out, "--overwrite", *FAST)
        one_line_error(code, err, "another process", f"(pid {holder.pid})")
        code, _, err = cli(capsys, "extract", "blt-cifar10-adaptive", "--images", GEIRHOS / "stimuli" / "edges", "--out", out)
        one_line_error(code, err, "another process")
        code, _, err = cli(capsys, "train", "--out", out, "--quiet", *[f"--set={o}" for o in TINY])
        one_line_error(code, err, "another process")
    finally:
        holder.communicate("", timeout=60)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_two_concurrent_compare_rt_runs_exactly_one_succeeds(tmp_path):
    mt = model_csv(tmp_path / "t.csv")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "neurogrow", "compare-rt", str(mt), str(EDGES), "--out", str(out), "--overwrite",
           "--n-boot", "1000", "--n-perm", "5000", "--no-mixed-model"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(c for c, _ in results)
    assert codes == [0, 2], results
    err = next(e for c, e in results if c == 2)
    assert "another process" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "t.csv"]


def test_result_json_is_strict_json(tmp_path):
    """Result files carry no NaN/Infinity tokens (strict parsers, jq and browsers reject them): null instead."""
    import json as _json

    import numpy as _np

    from neurogrow.outputs import write_json

    def _reject(token):
        raise ValueError(f"non-standard JSON token {token}")

    path = write_json(tmp_path / "r.json", {"a": float("nan"), "b": [float("inf"), -_np.inf], "c": _np.float32(1.5), "d": _np.int64(3)})
    data = _json.loads(path.read_text(), parse_constant=_reject)
    assert data == {"a": None, "b": [None, None], "c": 1.5, "d": 3}
