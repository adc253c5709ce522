"""neurogrow sweep: sweep files, run ids, local runs with resuming, the results table, Slurm submission."""
import json
import os
import pickle
import stat
from pathlib import Path

import pandas as pd
import pytest

from neurogrow.cli import main
from neurogrow.errors import ConfigError, DataError
from neurogrow.sweep import SlurmOptions, load_sweep, plan, run_status
from neurogrow.sweep.executors import parse_gigabytes, parse_minutes
from neurogrow.sweep.task import ERROR_FILE, RunTask
from neurogrow.train import loop, train
from neurogrow.train.loop import TIMING_KEYS

from conftest import ROOT


class Killed(Exception):
    pass


TINY_FIXED = """
[fixed]
device = "cpu"
data.dataset = "synthetic"
data.synthetic_size = 32
"model.channels" = [4, 6]
model.max_channels = 8
model.steps = 2
optim.epochs = 2
optim.batch_size = 32
"""


def write_sweep(folder, body, name="sweep.toml"):
    path = folder / name
    path.write_text(body)
    return path


def tiny_sweep(folder, seeds="[0, 1]", name="sweep.toml"):
    grid = '\n[grid]\n"costs.time_price" = [0, 0.05]\n'
    return write_sweep(folder, f"name = 'tiny'\nseeds = {seeds}\n" + TINY_FIXED + grid, name)


# ------------------------------------------------------------------ sweep files
def test_expansion_covers_the_grid_with_stable_readable_ids(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text("seed = 3\n[optim]\nepochs = 7\nlr = 0.1\n")
    path = write_sweep(
        tmp_path,
        'config = "base.toml"\nseeds = [0, 1]\n[fixed.optim]\nbatch_size = 16\n'
        '[grid]\n"costs.time_price" = [0, 0.01]\nmodel.channels = [[4, 8], [8, 16]]\n',
    )
    runs = load_sweep(path).runs()
    assert len(runs) == 8 and len({r.id for r in runs}) == 8
    first = runs[0]
    assert first.id.startswith("time_price=0.0_channels=4-8_seed=0-")
    assert first.overrides == {"optim.batch_size": 16, "costs.time_price": 0.0, "model.channels": [4, 8], "seed": 0}
    assert first.config.optim.epochs == 7 and first.config.optim.lr == 0.1  # from the base config
    assert first.config.optim.batch_size == 16 and first.config.model.channels == [4, 8]
    assert [r.config.seed for r in runs[:2]] == [0, 1]
    assert [r.id for r in load_sweep(path).runs()] == [r.id for r in runs]

    # the same sweep in YAML, with 0.0 for 0, gives the same runs
    yaml_path = write_sweep(
        tmp_path,
        "config: base.toml\nseeds: [0, 1]\nfixed: {optim.batch_size: 16}\n"
        "grid:\n  costs: {time_price: [0.0, 0.01]}\n  model.channels: [[4, 8], [8, 16]]\n",
        "sweep.yaml",
    )
    assert [r.id for r in load_sweep(yaml_path).runs()] == [r.id for r in runs]


def test_a_sweep_without_grid_or_seeds_is_one_run(tmp_path):
    (run,) = load_sweep(write_sweep(tmp_path, "[fixed]\n'optim.epochs' = 1\n")).runs()
    assert run.id.startswith("base-") and run.config.optim.epochs == 1


@pytest.mark.parametrize(
    "body, message",
    [
        ("grids = 1\n", "unknown key 'grids'"),
        ("[grid]\n'optim.lr' = 0.1\n", "grid key 'optim.lr' must be a list"),
        ("[grid]\n'optim.lr' = []\n", "grid key 'optim.lr' has no values"),
        ("[grid]\n'optim.lrr' = [0.1]\n", "unknown config key 'optim.lrr'"),
        ("[grid]\n'optim.epochs' = ['many']\n", "config key 'optim.epochs': expected an integer"),
        ("[grid]\n'costs.time_price' = [0, 0.0]\n", "give the same run"),
        ("seeds = [1, 1]\n", "lists a seed twice"),
        ("seeds = [0]\n[fixed]\nseed = 2\n", "'seed' is set in fixed or grid"),
        ("[fixed]\n'optim.lr' = 0.1\n[grid]\n'optim.lr' = [0.2]\n", "both fixed and in the grid"),
        ("config = 'missing.toml'\n", "missing.toml does not exist"),
        ("[fixed]\noptim = 3\n'optim.lr' = 0.1\n", "'optim' is not a section"),
    ],
)
def test_bad_sweep_files_name_the_file_and_key(tmp_path, body, message):
    path = write_sweep(tmp_path, body)
    with pytest.raises(ConfigError, match=message) as info:
        load_sweep(path).runs()
    assert str(path) in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------- local runs


def test_local_sweep_resumes_skips_finished_runs_and_collects_a_table(tmp_path, monkeypatch, capsys, one_thread):
    sweep = tiny_sweep(tmp_path)
    out = tmp_path / "out"
    runs = load_sweep(sweep).runs()

    # one run was killed after its first epoch
    killed = runs[1]
    original = loop.Trainer._end_epoch

    def end_epoch_then_die(self, epochs_done, row):
        original(self, epochs_done, row)
        raise Killed

    monkeypatch.setattr(loop.Trainer, "_end_epoch", end_epoch_then_die)
    with pytest.raises(Killed):
        train(killed.config, killed.directory(out), progress=False)
    monkeypatch.setattr(loop.Trainer, "_end_epoch", original)
    first_epoch = json.loads((killed.directory(out) / "metrics.jsonl").read_text())
    assert [status for _, status, _ in plan(load_sweep(sweep), out)] == ["pending", "partial", "pending", "pending"]

    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 0
    assert "4 runs: 4 done" in capsys.readouterr().out
    rows = [json.loads(line) for line in (killed.directory(out) / "metrics.jsonl").read_text().splitlines()]
    untimed = lambda r: {k: v for k, v in r.items() if k not in TIMING_KEYS}  # noqa: E731
    assert len(rows) == 2 and untimed(rows[0]) == untimed(first_epoch)  # resumed, not restarted
    for run in runs:
        assert run_status(run.directory(out)) == "done"
        saved = json.loads((run.directory(out) / "config.json").read_text())
        assert saved["costs"]["time_price"] == run.config.costs.time_price

    table = pd.read_csv(out / "results.csv")
    assert list(table["run_id"]) == [r.id for r in runs]
    assert list(table["costs.time_price"]) == [0.0, 0.0, 0.05, 0.05] and list(table["seed"]) == [0, 1, 0, 1]
    assert (table["status"] == "done").all() and (table["epochs"] == 2).all()
    assert table["test_accuracy"].between(0, 1).all()
    assert json.loads(table["window_channels"][0]) == json.loads((out / "results.json").read_text())[0]["window_channels"]
    saved = json.loads((out / "sweep.json").read_text())
    assert saved["name"] == "tiny" and saved["runs"] == [r.id for r in runs]

    # a second invocation trains nothing and leaves the runs as they were
    stamps = {r.id: (r.directory(out) / "model.pt").stat().st_mtime_ns for r in runs}
    assert main(["sweep", str(sweep), "--out", str(out), "--dry-run"]) == 0
    assert capsys.readouterr().out.count("\tdone\tskip") == 4
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 0
    assert stamps == {r.id: (r.directory(out) / "model.pt").stat().st_mtime_ns for r in runs}
    assert pd.read_csv(out / "results.csv").equals(table)


def test_a_failing_run_leaves_its_traceback_and_is_retried(tmp_path):
    sweep = write_sweep(tmp_path, "[fixed]\ndata.dataset = 'cifar10'\ndata.root = '/nonexistent/data'\n")
    out = tmp_path / "out"
    (run,) = load_sweep(sweep).runs()
    with pytest.raises(DataError):
        RunTask(run.id, run.config.to_dict(), run.directory(out))()
    assert run_status(run.directory(out)) == "failed"
    assert "Traceback" in (run.directory(out) / ERROR_FILE).read_text()
    (_, status, todo), = plan(load_sweep(sweep), out)
    assert status == "failed" and todo


def test_output_dir_of_another_sweep_or_a_changed_config_is_refused(tmp_path, capsys):
    sweep = tiny_sweep(tmp_path)
    out = tmp_path / "out"
    (out / "sweep.json").parent.mkdir()
    (out / "sweep.json").write_text(json.dumps({"name": "other"}))
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds sweep 'other'" in err and len(err.strip().splitlines()) == 1

    (out / "sweep.json").unlink()
    run = load_sweep(sweep).runs()[0]
    run.directory(out).mkdir(parents=True)
    (run.directory(out) / "config.json").write_text(json.dumps({**run.config.to_dict(), "seed": 99}))
    assert main(["sweep", str(sweep), "--out", str(out), "--dry-run"]) == 2
    assert "config differs in seed" in capsys.readouterr().err


# ------------------------------------------------------------------------ Slurm
FAKE_SBATCH = """#!/bin/sh
echo "$@" >> "{log}"
echo "Submitted batch job 4242"
"""


@pytest.fixture
def fake_slurm(tmp_path, monkeypatch):
    """sbatch and srun on PATH: sbatch logs its arguments and answers like Slurm; nothing runs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "sbatch.log"
    for name, text in (("sbatch", FAKE_SBATCH.format(log=log)), ("srun", "#!/bin/sh\nexit 1\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_slurm_submission_carries_the_resources_and_the_runs(tmp_path, fake_slurm, capsys):
    sweep = tiny_sweep(tmp_path)
    sweep.write_text(sweep.read_text() + '\n[slurm]\npartition = "cpu"\ntime = 90\nsetup = ["module load cuda"]\n')
    out = tmp_path / "out"
    args = ["sweep", str(sweep), "--out", str(out), "--executor", "slurm", "--partition", "gpu"]
    args += ["--gpus-per-node", "2", "--time", "1-12:00:00", "--mem", "32G", "--cpus-per-task", "8", "--account", "lab"]
    assert main(args) == 0
    assert "submitted 4 runs as Slurm job 4242" in capsys.readouterr().out
    (submission,) = fake_slurm.read_text().splitlines()
    script = Path(submission).read_text()  # the sbatch file submitit wrote and kept
    for line in (
        "#SBATCH --partition=gpu",  # the flag wins over the sweep file's [slurm] table
        "#SBATCH --gpus-per-node=2",
        "#SBATCH --ntasks-per-node=2",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --time=2160",
        "#SBATCH --mem=32GB",
        "#SBATCH --account=lab",
        "#SBATCH --array=0-3%",
        "#SBATCH --job-name=tiny",
        "module load cuda",
    ):
        assert line in script, line
    assert "-m submitit.core._submit" in script and str(out / "slurm") in script

    runs = load_sweep(sweep).runs()
    for index, run in enumerate(runs):
        assert run_status(run.directory(out)) == "submitted"
        with open(out / "slurm" / f"4242_{index}_submitted.pkl", "rb") as fh:
            task = pickle.load(fh).function
        assert isinstance(task, RunTask)
        assert (task.run_id, task.config, task.run_dir) == (run.id, run.config.to_dict(), str(run.directory(out)))
    assert set(pd.read_csv(out / "results.csv")["status"]) == {"submitted"}

    # submitted runs are not submitted again unless asked
    assert main(args) == 0
    assert len(fake_slurm.read_text().splitlines()) == 1
    assert main(args + ["--resubmit"]) == 0
    assert len(fake_slurm.read_text().splitlines()) == 2


def test_slurm_needs_sbatch_and_slurm_flags_need_slurm(tmp_path, monkeypatch, capsys):
    sweep = tiny_sweep(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--executor", "slurm"]) == 2
    assert "sbatch and srun not found" in capsys.readouterr().err
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--partition", "gpu"]) == 2
    assert "--partition only apply to --executor slurm" in capsys.readouterr().err


def test_slurm_options_parse_slurm_style_values():
    assert [parse_minutes(v, "x") for v in (90, "90", "30:30", "02:00:00", "2-00", "1-12:30")] == [
        90, 90, 31, 120, 2880, 2190
    ]
    assert [parse_gigabytes(v, "x") for v in (16, "32G", "512M", "1TB")] == [16.0, 32.0, 0.5, 1024.0]
    with pytest.raises(ConfigError, match="time 'soon'"):
        parse_minutes("soon", "x")
    with pytest.raises(ConfigError, match="unknown Slurm option 'gpus'"):
        SlurmOptions.from_mapping({"gpus": 2}, "sweep file s.toml [slurm]")
    options = SlurmOptions.from_mapping({"partition": "a", "mem": "8G"}, "x").merged({"partition": "b", "mem": None})
    assert (options.partition, options.mem, options.time) == ("b", 8.0, 1440)


@pytest.mark.slow
def test_a_job_with_two_tasks_trains_its_run_data_parallel(tmp_path, one_thread):
    """A Slurm run with two GPUs is a job of two tasks; submitit's local executor runs such a job here."""
    import submitit

    (single, _, _, _) = load_sweep(tiny_sweep(tmp_path)).runs()
    alone = train(single.config, tmp_path / "alone", progress=False)
    executor = submitit.LocalExecutor(folder=tmp_path / "submitit")
    executor.update_parameters(tasks_per_node=2, timeout_min=10)
    job = executor.submit(RunTask(single.id, single.config.to_dict(), single.directory(tmp_path / "out")))
    first, second = job.results()
    assert {k: v for k, v in first.items() if k not in TIMING_KEYS} == {k: v for k, v in second.items() if k not in TIMING_KEYS}  # both ranks end in the same state
    assert first["step"] == alone["step"] and first["train_loss"] != alone["train_loss"]  # global batch, sharded
    assert run_status(single.directory(tmp_path / "out")) == "done"


def test_the_example_sweep_file_expands(tmp_path):

    spec = load_sweep(ROOT / "benchmarks" / "sweeps" / "example.toml")
    runs = spec.runs()
    assert len(runs) == len(spec.seeds) * len(next(iter(spec.grid.values())))
    assert SlurmOptions.from_mapping(spec.slurm, "example").gpus_per_node == 1


def test_the_cpu_sized_example_sweep_is_cpu_sized_and_valid():
    spec = load_sweep(ROOT / "benchmarks" / "sweeps" / "cpu-small.toml")
    runs = spec.runs()
    assert len(runs) == 3
    for run in runs:
        cfg = run.config
        assert cfg.device == "cpu" and cfg.data.train_subset == 5000 and cfg.optim.epochs <= 5
        assert cfg.model.max_channels <= 64 and cfg.model.max_layers <= 3
