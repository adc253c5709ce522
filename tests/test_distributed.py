"""Data-parallel training: two CPU ranks (gloo) launched by torchrun, with a growing window."""
import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

from neurogrow.cli import main
from neurogrow.errors import ConfigError
from neurogrow.model import ModelConfig
from neurogrow.model.growth import resize_channels
from neurogrow.model.lattice import LatticeRCNN
from neurogrow.train.checkpoint import load_model_file
from neurogrow.train.distributed import Parallel, launched_distributed, process_group

TINY = [
    "data.dataset='synthetic'",
    "data.synthetic_size=96",
    "model.channels=[4,6]",
    "model.max_channels=12",
    "model.max_layers=3",
    "model.steps=2",
    "model.max_steps=4",
    "optim.epochs=2",
    "optim.batch_size=32",
    "optim.lr=0.05",
    "costs.breadth_price=0.01",
    "costs.time_price=0.01",
    "growth.every_steps=4",
    "device='cpu'",
]

# Runs `neurogrow train` as one torchrun rank (no --distributed: detected from WORLD_SIZE) and
# dumps the rank's final model state, which only rank 0 would otherwise write.
RANK_SCRIPT = textwrap.dedent(
    """
    import sys, torch
    from neurogrow.cli import main
    from neurogrow.train import loop

    dump_dir, argv = sys.argv[1], sys.argv[2:]
    original = loop.Trainer.run

    def run_and_dump(self):
        final = original(self)
        state = {"window": self.model.window, "state": self.model.state_dict(), "step": self.step}
        torch.save(state, f"{dump_dir}/rank{self.parallel.rank}.pt")
        return final

    loop.Trainer.run = run_and_dump
    sys.exit(main(argv))
    """
)


def test_two_gloo_ranks_grow_identically_and_rank0_writes_the_run(tmp_path):
    script = tmp_path / "rank.py"
    script.write_text(RANK_SCRIPT)
    run = tmp_path / "run"
    train_args = ["train", "--out", str(run), "--quiet"] + [a for kv in TINY for a in ("--set", kv)]
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    proc = subprocess.run(
        launch + [str(script), str(tmp_path)] + train_args,
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(printed) == 1  # only rank 0 prints the summary

    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in (0, 1)]
    assert ranks[0]["window"] == ranks[1]["window"]
    assert ranks[0]["window"] != {"channels": [4, 6], "layers": 2, "steps": 2}  # the window grew
    assert ranks[0]["state"].keys() == ranks[1]["state"].keys()
    for key, value in ranks[0]["state"].items():
        assert torch.equal(value, ranks[1]["state"][key]), key

    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[-1]["step"] == ranks[0]["step"] == 2 * 3  # global batches of 32 over 96 images
    assert rows[1]["events"]  # the window changed at step 4, two steps before the end
    assert all(torch.isfinite(torch.tensor(r["train_loss"])) for r in rows)
    model, _ = load_model_file(run / "model.pt")
    assert model.window == ranks[0]["window"]
    for key, value in model.state_dict().items():
        assert torch.equal(value, ranks[0]["state"][key]), key


def _collectives_rank(rank: int, port: int, out: str) -> None:
    """One of two gloo ranks: exercise every collective of Parallel with rank-dependent values."""
    torch.set_num_threads(1)  # two ranks on a small machine: no oversubscription
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2")
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank))
    with process_group(torch.device("cpu"), batch_size=4) as parallel:
        found = {"mean": parallel.mean(torch.tensor(float(rank))).item()}
        found["sums"] = parallel.sum_values({"n": rank + 1, "loss": 0.25 * (rank + 1)})
        norm = torch.nn.BatchNorm1d(2)
        norm.running_mean.fill_(rank)
        parallel.average_buffers(norm)
        found["running_mean"] = norm.running_mean.tolist()
        config = ModelConfig(in_channels=3, num_classes=3, image_size=8, channels=[3, 4], max_channels=8, steps=2)
        model = LatticeRCNN(config, seed=0)
        x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(rank))
        for phase in ("before", "after"):
            if phase == "after":  # the window changes: parameters are replaced, the wrapper rebuilt
                resize_channels(model, 0, torch.arange(3), 2, generator=torch.Generator().manual_seed(1))
            model(x).logits.sum().backward()
            found[f"local_{phase}"] = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
            model.zero_grad(set_to_none=True)
            parallel.wrap(model)(x).logits.sum().backward()
            found[f"ddp_{phase}"] = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
            model.zero_grad(set_to_none=True)
    torch.save(found, f"{out}/rank{rank}.pt")


def test_collectives_average_over_ranks_and_survive_a_window_change(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    torch.multiprocessing.spawn(_collectives_rank, args=(port, str(tmp_path)), nprocs=2)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in (0, 1)]
    for found in ranks:
        assert found["mean"] == 0.5
        assert found["sums"] == {"n": 3, "loss": 0.75} and isinstance(found["sums"]["n"], int)
        assert found["running_mean"] == [0.5, 0.5]
        for phase in ("before", "after"):
            local = [r[f"local_{phase}"] for r in ranks]
            assert found[f"ddp_{phase}"].keys() == local[0].keys()
            for name, grad in found[f"ddp_{phase}"].items():
                torch.testing.assert_close(grad, (local[0][name] + local[1][name]) / 2, msg=f"{phase} {name}")
    assert ranks[0]["ddp_after"]["layers.0.gate"].shape == (5,)


def test_shards_cover_the_global_batch_with_equal_chunks():
    batch = torch.arange(7)
    chunks = [Parallel(rank=r, world_size=3).shard(batch, batch * 10) for r in range(3)]
    assert [c[0].tolist() for c in chunks] == [[0, 1, 2], [3, 4, 5], [6, 0, 1]]
    assert torch.equal(chunks[1][1], chunks[1][0] * 10)


def test_a_single_process_is_left_unchanged():
    parallel = Parallel()
    model = torch.nn.Linear(2, 2)
    x, y = torch.ones(3, 2), torch.zeros(3)
    assert parallel.wrap(model) is model
    assert all(a is b for a, b in zip(parallel.shard(x, y), (x, y)))
    assert parallel.mean(x) is x
    assert parallel.place(torch.device("cpu")) == torch.device("cpu")


def test_distributed_without_torchrun_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    assert not launched_distributed()
    with pytest.raises(ConfigError, match="torchrun"), process_group(torch.device("cpu"), 32):
        pass
    args = ["train", "--distributed", "--out", str(tmp_path / "run")] + [a for kv in TINY for a in ("--set", kv)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "torchrun" in err and len(err.splitlines()) == 1


def test_world_size_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert launched_distributed()
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ConfigError, match="WORLD_SIZE"):
        launched_distributed()
