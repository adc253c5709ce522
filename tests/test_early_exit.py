"""Early-exit inference: same exits and answers as the full-length run, computed on a shrinking batch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neurogrow.errors import NeurogrowError
from neurogrow.inference import flops_per_step, flops_spent, run_early_exit, run_full_length
from neurogrow.model import LatticeRCNN, ModelConfig


def tiny(time_mode: str = "adaptive", steps: int = 4, seed: int = 0) -> LatticeRCNN:
    cfg = ModelConfig(
        in_channels=3, num_classes=5, image_size=8, channels=[4, 6], max_channels=8, max_layers=3,
        steps=steps, max_steps=6, time_mode=time_mode, min_resolution=4,
    )
    model = LatticeRCNN(cfg, seed=seed)
    with torch.no_grad():  # a halting readout that spreads the exits over the steps
        model.readout_bias[-1] = -12.0
        for layer in model.layers:
            layer.w_readout[-1] *= -10.0
    return model.eval()


def inputs(n: int = 96, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 3, 8, 8, generator=torch.Generator().manual_seed(seed))


def recorded_batch_sizes(model: LatticeRCNN) -> list[int]:
    """Replace ``model.step`` by a wrapper that records the batch size of every call (pass
    ``step_flops`` to the run, so that counting FLOPs does not call it)."""
    sizes: list[int] = []
    step = model.step

    def wrapped(x, state, t, image_drive=None):
        sizes.append(x.shape[0])
        return step(x, state, t, image_drive)

    model.step = wrapped
    return sizes


def assert_same_answers(early, full):
    assert torch.equal(early.exit_step, full.exit_step)
    assert torch.equal(early.prediction, full.prediction)
    torch.testing.assert_close(early.logits, full.logits, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.9])
def test_adaptive_matches_full_length(threshold):
    model, x = tiny(), inputs()
    full = run_full_length(model, x, threshold)
    early = run_early_exit(model, x, threshold)
    assert len(torch.unique(full.exit_step)) >= 3  # the comparison covers several exit steps
    assert_same_answers(early, full)
    T = model.steps
    for i, k in enumerate(early.exit_step.tolist()):
        torch.testing.assert_close(early.halting[i, :k], full.halting[i, :k], atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(early.step_logits[i, :k], full.step_logits[i, :k], atol=1e-5, rtol=1e-5)
        assert torch.isnan(early.halting[i, k:]).all() and torch.isnan(early.step_logits[i, k:]).all()
        assert torch.isnan(early.step_probs[i, k:]).all()
        assert (k == T) == bool(torch.isfinite(early.expected_steps[i]))  # E[t] needs pi at every step
    finite = torch.isfinite(early.expected_steps)
    torch.testing.assert_close(early.expected_steps[finite], full.expected_steps[finite])
    assert torch.equal(early.steps_run, early.exit_step)
    assert (full.steps_run == T).all()


def test_the_mlp_halting_head_exits_as_in_the_full_length_run():
    """The mlp head's logit depends on the step's and the previous step's outputs: early exit
    computes it step by step on the shrinking batch (it once read the readout row instead)."""
    cfg = ModelConfig(
        in_channels=3, num_classes=5, image_size=8, channels=[4, 6], max_channels=8, max_layers=3,
        steps=4, max_steps=6, halting_head="mlp", min_resolution=4,
    )
    model = LatticeRCNN(cfg, seed=0).eval()
    with torch.no_grad():  # a head that spreads the exits over the steps
        model.halt_head.w2.copy_(torch.randn(model.halt_head.w2.shape, generator=torch.Generator().manual_seed(0)))
        model.halt_head.b2.fill_(0.0)
    x = inputs()
    full = run_full_length(model, x, 0.5)
    assert len(torch.unique(full.exit_step)) >= 3  # exits at steps 2, 3 and 4
    for complete in (False, True):
        early = run_early_exit(model, x, 0.5, complete=complete)
        assert_same_answers(early, full)
    torch.testing.assert_close(early.expected_steps, full.expected_steps, atol=1e-5, rtol=1e-5)


def test_batch_is_compacted_as_images_exit():
    model, x = tiny(), inputs()
    exits = run_full_length(model, x).exit_step
    per_step = flops_per_step(model)
    sizes = recorded_batch_sizes(model)
    run_early_exit(model, x, step_flops=per_step)
    expected = [int((exits > t).sum()) for t in range(model.steps)]
    assert sizes == [s for s in expected if s > 0]
    assert sizes[0] == len(x) and sizes[-1] < len(x)


def test_flops_spent_up_to_the_exit():
    model, x = tiny(), inputs()
    per_step = flops_per_step(model)
    early, full = run_early_exit(model, x), run_full_length(model, x)
    np.testing.assert_array_equal(early.flops.numpy(), flops_spent(per_step, early.exit_step.numpy()))
    assert (full.flops == int(per_step.sum())).all()
    assert early.flops.sum() < full.flops.sum()


def test_complete_runs_on_after_the_exit():
    model, x = tiny(), inputs()
    full = run_full_length(model, x, return_features=True)
    per_step = flops_per_step(model)
    sizes = recorded_batch_sizes(model)
    done = run_early_exit(model, x, complete=True, return_features=True, step_flops=per_step)
    assert sizes == [len(x)] * model.steps
    assert_same_answers(done, full)
    torch.testing.assert_close(done.halting, full.halting)
    torch.testing.assert_close(done.expected_steps, full.expected_steps)
    torch.testing.assert_close(done.step_logits, full.step_logits)
    torch.testing.assert_close(done.features[-1][-1], full.features[-1][-1])
    assert (done.steps_run == model.steps).all()
    np.testing.assert_array_equal(done.flops.numpy(), run_early_exit(model, x).flops.numpy())  # cost to the exit


def test_features_up_to_the_exit():
    model, x = tiny(), inputs()
    full = run_full_length(model, x, return_features=True)
    early = run_early_exit(model, x, return_features=True)
    assert len(early.features) == model.steps and len(early.features[0]) == model.num_layers
    for t in range(model.steps):
        ran = early.exit_step > t
        for layer_index in range(model.num_layers):
            torch.testing.assert_close(early.features[t][layer_index][ran], full.features[t][layer_index][ran], atol=1e-5, rtol=1e-5)
            assert torch.isnan(early.features[t][layer_index][~ran]).all()


def test_fixed_time_exits_together():
    model, x = tiny("fixed"), inputs(32)
    with torch.no_grad():
        model.time_logits.copy_(torch.tensor([0.0, 1.0, 0.5, 0.2]))  # cumulative pi passes 0.5 at step 2
    full = run_full_length(model, x)
    per_step = flops_per_step(model)
    sizes = recorded_batch_sizes(model)
    early = run_early_exit(model, x, step_flops=per_step)
    assert (early.exit_step == 2).all() and sizes == [32, 32]
    assert_same_answers(early, full)
    torch.testing.assert_close(early.halting, full.halting)  # input-independent: known at every step
    torch.testing.assert_close(early.expected_steps, full.expected_steps)


def test_one_step_model():
    model, x = tiny(steps=1), inputs(8)
    early, full = run_early_exit(model, x), run_full_length(model, x)
    assert (early.exit_step == 1).all() and (early.halting == 1).all()
    assert_same_answers(early, full)
    torch.testing.assert_close(early.expected_steps, torch.ones(8))


def test_bad_input_and_mode_restored():
    model = tiny()
    model.train()
    run_early_exit(model, inputs(4))
    assert model.training
    for bad in (0.0, 1.5, "half"):
        with pytest.raises(NeurogrowError, match="threshold"):
            run_early_exit(model, inputs(4), threshold=bad)
    with pytest.raises(NeurogrowError, match="expected"):
        run_full_length(model, torch.zeros(2, 3, 16, 16))


@pytest.mark.parametrize("name", ["blt-cifar10-adaptive", "blt-cifar10-fixed-time"])
def test_shipped_model_on_cifar10(name):
    from neurogrow import load_model
    from neurogrow.data import load_dataset
    from neurogrow.model.inputs import to_input

    from conftest import SHARED_CIFAR

    if not SHARED_CIFAR.is_dir():  # no download of 170 MB inside the tests
        pytest.skip(f"CIFAR-10 not available at {SHARED_CIFAR}")
    data = load_dataset("cifar10", "test", root=SHARED_CIFAR)
    model = load_model(name)
    x = to_input(torch.from_numpy(data.images[:48]), model.config)
    full, early = run_full_length(model, x), run_early_exit(model, x)
    assert_same_answers(early, full)
    if name == "blt-cifar10-adaptive":
        assert len(torch.unique(full.exit_step)) >= 2
    assert (early.prediction.numpy() == data.labels[:48]).mean() > 0.6
