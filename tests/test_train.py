"""neurogrow train: config handling, metrics, checkpoints, resuming after a kill, bad input."""
import json

import pytest
import torch

from neurogrow.cli import main
from neurogrow.errors import CheckpointError, ConfigError
from neurogrow.train import load_config, loop, train
from neurogrow.train.checkpoint import load_checkpoint, load_model_file

TINY = [
    "data.dataset='synthetic'",
    "data.synthetic_size=128",
    "model.channels=[4,6]",
    "model.max_channels=12",
    "model.max_layers=3",
    "model.steps=2",
    "model.max_steps=4",
    "optim.epochs=3",
    "optim.batch_size=32",
    "optim.lr=0.05",
    "costs.breadth_price=0.01",
    "costs.time_price=0.01",
    "growth.every_steps=3",
]


def test_run_directory_holds_config_metrics_checkpoint_and_model(tmp_path):
    final = train(load_config(None, TINY), tmp_path / "run", progress=False)
    run = tmp_path / "run"
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert {"train_loss", "test_accuracy", "window_channels", "window_steps", "test_mean_steps"} <= set(rows[-1])
    assert json.loads((run / "config.json").read_text())["optim"]["epochs"] == 3
    assert load_checkpoint(run / "checkpoint.pt")["epoch"] == 3
    model, summary = load_model_file(run / "model.pt")
    assert model.window["channels"] == final["window_channels"]
    assert summary["test"]["accuracy"] == final["test_accuracy"]


class Killed(Exception):
    pass


def test_resume_after_a_kill_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    config = load_config(None, TINY)
    train(config, tmp_path / "whole", progress=False)

    original = loop.Trainer._end_epoch

    def end_epoch_then_die(self, epochs_done, row):
        original(self, epochs_done, row)
        if epochs_done == 1:
            raise Killed

    monkeypatch.setattr(loop.Trainer, "_end_epoch", end_epoch_then_die)
    with pytest.raises(Killed):
        train(config, tmp_path / "killed", progress=False)
    monkeypatch.setattr(loop.Trainer, "_end_epoch", original)
    train(config, tmp_path / "killed", resume=True, progress=False)

    a = load_checkpoint(tmp_path / "whole" / "checkpoint.pt")
    b = load_checkpoint(tmp_path / "killed" / "checkpoint.pt")
    assert a["model_config"] == b["model_config"]
    for key, value in a["model_state"].items():
        assert torch.equal(value, b["model_state"][key]), key
    strip = lambda rows: [{k: v for k, v in r.items() if k not in loop.TIMING_KEYS} for r in rows]  # noqa: E731
    assert strip(a["history"]) == strip(b["history"])


def test_seeded_runs_are_reproducible(tmp_path):
    a = train(load_config(None, TINY), tmp_path / "a", progress=False)
    b = train(load_config(None, TINY), tmp_path / "b", progress=False)
    assert a["train_loss"] == b["train_loss"] and a["window_channels"] == b["window_channels"]


def test_resuming_with_a_different_config_is_refused(tmp_path):
    train(load_config(None, TINY[:-1] + ["optim.epochs=1"]), tmp_path / "run", progress=False)
    with pytest.raises(ConfigError, match=r"optim.lr"):
        train(load_config(None, TINY[:-1] + ["optim.epochs=1", "optim.lr=0.5"]), tmp_path / "run", resume=True)


def test_an_existing_run_is_not_overwritten_without_resume(tmp_path):
    train(load_config(None, TINY[:-1] + ["optim.epochs=1"]), tmp_path / "run", progress=False)
    with pytest.raises(ConfigError, match="--resume"):
        train(load_config(None, TINY[:-1] + ["optim.epochs=1"]), tmp_path / "run", progress=False)


def test_corrupt_checkpoint_is_reported(tmp_path):
    config = load_config(None, TINY[:-1] + ["optim.epochs=1"])
    train(config, tmp_path / "run", progress=False)
    ckpt = tmp_path / "run" / "checkpoint.pt"
    ckpt.write_bytes(ckpt.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="corrupt"):
        train(config, tmp_path / "run", resume=True, progress=False)


@pytest.mark.parametrize(
    "overrides,message",
    [
        (["model.colour=1"], "unknown config key 'model.colour'"),
        (["optim.epochs='ten'"], "expected an integer"),
        (["model.channels=[4,'x']"], "model.channels[1]"),
        (["model.time_mode='sometimes'"], "time_mode"),
        (["growth=3"], "table"),
    ],
)
def test_config_errors_name_the_key(overrides, message):
    with pytest.raises(ConfigError) as err:
        load_config(None, TINY + overrides)
    assert message in str(err.value)


def test_yaml_and_toml_configs_agree(tmp_path):
    (tmp_path / "c.toml").write_text("seed = 3\n[optim]\nepochs = 2\nlr = 0.1\n")
    (tmp_path / "c.yaml").write_text("seed: 3\noptim:\n  epochs: 2\n  lr: 0.1\n")
    assert load_config(tmp_path / "c.toml").to_dict() == load_config(tmp_path / "c.yaml").to_dict()


def cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err.strip()


def test_cli_bad_input_is_one_line_with_exit_code_2(tmp_path, capsys):
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[optim\nepochs = 1\n")
    cases = [
        (["--set", "optim.nope=1"], "unknown config key"),
        (["--set", "optim.lr='fast'"], "expected a number"),
        (["--config", str(bad_toml)], "not valid TOML"),
        (["--config", str(tmp_path / "missing.toml")], "does not exist"),
        (["--set", "data.dataset='cifar10'", "--set", f"data.root='{tmp_path / 'nowhere'}'"], "nowhere"),
    ]
    for args, message in cases:
        code, err = cli(capsys, "train", "--out", str(tmp_path / "run_bad"), "--quiet", *args)
        assert code == 2, args
        assert len(err.splitlines()) == 1 and message in err, err


def test_cli_rejects_a_corrupt_checkpoint_and_a_changed_config(tmp_path, capsys):
    run = tmp_path / "run"
    base = [f"--set={o}" for o in TINY[:-1] + ["optim.epochs=1"]]
    assert cli(capsys, "train", "--out", str(run), "--quiet", *base)[0] == 0
    code, err = cli(capsys, "train", "--out", str(run), "--quiet", "--resume", *base, "--set", "seed=9")
    assert code == 2 and "seed" in err and len(err.splitlines()) == 1
    (run / "checkpoint.pt").write_bytes(b"not a checkpoint")
    code, err = cli(capsys, "train", "--out", str(run), "--quiet", "--resume", *base)
    assert code == 2 and "corrupt" in err and len(err.splitlines()) == 1


def test_resume_after_the_last_checkpoint_writes_the_missing_model_file(tmp_path):
    config = load_config(None, TINY[:-1] + ["optim.epochs=1"])
    train(config, tmp_path / "run", progress=False)
    (tmp_path / "run" / "model.pt").unlink()
    train(config, tmp_path / "run", resume=True, progress=False)
    assert (tmp_path / "run" / "model.pt").exists()


def test_resume_from_a_mid_epoch_checkpoint_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    # 128 images / batch 32 = 4 steps per epoch; a checkpoint every 3 steps lands inside epochs
    config = load_config(None, TINY + ["checkpoint_every_steps=3"])
    train(config, tmp_path / "whole", progress=False)

    original = loop.Trainer._save_checkpoint

    def save_then_die(self, epochs_done, partial=None):
        original(self, epochs_done, partial)
        if partial is not None and self.step == 6:  # second batch of the second epoch
            raise Killed

    monkeypatch.setattr(loop.Trainer, "_save_checkpoint", save_then_die)
    with pytest.raises(Killed):
        train(config, tmp_path / "killed", progress=False)
    ckpt = load_checkpoint(tmp_path / "killed" / "checkpoint.pt")
    assert ckpt["epoch"] == 1 and ckpt["partial"]["next_batch"] == 2
    monkeypatch.setattr(loop.Trainer, "_save_checkpoint", original)
    # the checkpoint interval may change on resumption
    train(load_config(None, TINY), tmp_path / "killed", resume=True, progress=False)

    a = load_checkpoint(tmp_path / "whole" / "checkpoint.pt")
    b = load_checkpoint(tmp_path / "killed" / "checkpoint.pt")
    assert "partial" not in b
    for key, value in a["model_state"].items():
        assert torch.equal(value, b["model_state"][key]), key
    strip = lambda rows: [{k: v for k, v in r.items() if k not in loop.TIMING_KEYS} for r in rows]  # noqa: E731
    assert strip(a["history"]) == strip(b["history"])


def test_compiled_training_compiles_once_per_window_and_keeps_the_data_in_place(tmp_path, monkeypatch):
    """The GPU path (compiled forward, device-resident data, sync-free statistics) on the CPU:
    a dynamo backend that counts compilations sees one per distinct window, the ragged last
    batch of an epoch does not compile, and window changes neither reload nor copy the data."""
    import torch._dynamo
    from torch._dynamo import register_backend

    timeline = []  # "compile" and "change" events in order

    @register_backend(name="neurogrow_test_counter")
    def counter(gm, example_inputs):
        timeline.append("compile")
        return gm.forward

    loads = []
    original_load = loop.load_data
    monkeypatch.setattr(loop, "load_data", lambda config: loads.append(1) or original_load(config))
    grown = []
    original_grow = loop.Trainer._grow

    def grow(self, total):
        events = original_grow(self, total)
        grown.append((self.train_images.data_ptr(), bool(events)))
        if events:
            timeline.append("change")
        return events

    monkeypatch.setattr(loop.Trainer, "_grow", grow)
    # 144 images / batch 32: 4 full batches and a ragged one of 16 per epoch
    overrides = [o for o in TINY if not o.startswith("data.synthetic_size")]
    config = load_config(None, overrides + ["data.synthetic_size=144", "compile='neurogrow_test_counter'"])
    trainer = loop.Trainer(config, tmp_path / "run", progress=False)
    trainer.run()
    torch._dynamo.reset()

    assert loads == [1]
    assert any(changed for _, changed in grown), "the tiny run must change its window to test this"
    assert len({ptr for ptr, _ in grown}) == 1  # the same device tensor all run long
    # one graph per compilation (no graph breaks), at most one compilation between window changes
    assert timeline.count("compile") == trainer.train_step.compilations >= 2
    segments = " ".join(timeline).split("change")
    assert all(segment.split().count("compile") <= 1 for segment in segments), timeline


def test_compiled_and_eager_training_agree(tmp_path):
    """The compiled path runs the same computation: with dynamo's eager backend a short run
    gives the eager run's metrics."""
    import torch._dynamo

    eager = train(load_config(None, TINY), tmp_path / "eager", progress=False)
    compiled = train(load_config(None, TINY + ["compile='eager'"]), tmp_path / "compiled", progress=False)
    torch._dynamo.reset()
    for key in ("train_loss", "test_accuracy", "test_mean_steps", "window_channels", "window_steps"):
        assert compiled[key] == pytest.approx(eager[key], rel=1e-4), key


def test_unknown_compile_backend_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="compile"):
        train(load_config(None, TINY + ["compile='no-such-backend'"]), tmp_path / "x", progress=False)
