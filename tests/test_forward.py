"""The one batched forward pass (neurogrow.inference.forward) and the one atomic file write."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from neurogrow.errors import NeurogrowError
from neurogrow.inference import evaluate, forward_batches, run_forward
from neurogrow.model import LatticeRCNN, ModelConfig
from neurogrow.model.inputs import to_input
from neurogrow.outputs import atomic_path, write_text


def tiny(time_mode: str = "adaptive") -> LatticeRCNN:
    cfg = ModelConfig(in_channels=3, num_classes=5, image_size=8, channels=[4, 6], max_channels=8, max_layers=3,
                      steps=4, max_steps=6, time_mode=time_mode, min_resolution=4)
    model = LatticeRCNN(cfg, seed=0)
    with torch.no_grad():  # spread the exits over the steps
        model.readout_bias[-1] = -12.0
        for layer in model.layers:
            layer.w_readout[-1] *= -10.0
    return model.eval()


def images(n: int = 37) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)


@pytest.mark.parametrize("time_mode", ["adaptive", "fixed"])
def test_full_length_forward_is_the_model_output(time_mode):
    model, imgs = tiny(time_mode), images()
    run = run_forward(model, imgs, mode="full-length", activations=True, batch_size=10)
    with torch.no_grad():
        out = model(to_input(torch.from_numpy(imgs), model.config), return_features=True)
    np.testing.assert_allclose(run.step_logits, out.logits.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run.halting, out.halting.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(run.mixture_probs, out.mixture_probs().numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(run.exit_step, out.exit_step().numpy())
    np.testing.assert_array_equal(run.prediction, out.exit_logits().argmax(1).numpy())
    np.testing.assert_allclose(run.layer_features(1), torch.stack([f[1] for f in out.features], 1).numpy(), rtol=1e-5, atol=1e-6)
    assert sorted(run.activations()) == [f"layer{layer}-t{t}" for layer in (1, 2) for t in range(1, 5)]
    assert run.flops.tolist() == [int(run.step_flops.sum())] * len(imgs)


def test_modes_agree_on_exits_and_answers_and_differ_in_flops():
    model, imgs = tiny(), images()
    full = run_forward(model, imgs, mode="full-length", batch_size=16)
    early = run_forward(model, imgs, mode="early-exit", batch_size=16)
    only = run_forward(model, imgs, mode="exit-only", batch_size=16)
    assert len(np.unique(full.exit_step)) > 1  # the test model spreads its exits
    for other in (early, only):
        np.testing.assert_array_equal(other.exit_step, full.exit_step)
        np.testing.assert_array_equal(other.prediction, full.prediction)
    np.testing.assert_allclose(early.expected_steps, full.expected_steps, rtol=1e-5)
    assert np.isnan(only.expected_steps[only.exit_step < 4]).all()
    assert (early.flops <= full.flops).all() and (early.flops < full.flops).any()


def test_batches_cover_every_image_once():
    model, imgs = tiny(), images(23)
    sizes = [len(r.exit_step) for r in forward_batches(model, imgs, batch_size=10)]
    assert sizes == [10, 10, 3]


def test_bad_arguments_are_one_line_errors():
    model = tiny()
    for kwargs, match in (({"mode": "fast"}, "forward mode"), ({"threshold": 1.5}, "threshold"), ({"batch_size": 0}, "batch size")):
        with pytest.raises(NeurogrowError, match=match):
            run_forward(model, images(3), **kwargs)


def test_evaluate_counts_correct_answers_and_validates_the_threshold():
    model, imgs = tiny(), images(30)
    run = run_forward(model, imgs)
    labels = run.prediction.copy()
    labels[:10] = (labels[:10] + 1) % 5  # ten wrong
    data = type("Data", (), {"images": imgs, "labels": labels, "__len__": lambda self: 30})()
    result = evaluate(model, data, batch_size=7)
    assert result["accuracy"] == pytest.approx(20 / 30)
    assert result["mean_exit_step"] == pytest.approx(run.exit_step.mean())
    assert result["mean_steps"] == pytest.approx(run.expected_steps.mean(), rel=1e-6)
    # spread of E[t] over images, across batches of 7 (sample SD)
    assert run.expected_steps.std(ddof=1) > 0.05
    assert result["steps_sd"] == pytest.approx(run.expected_steps.astype(np.float64).std(ddof=1), rel=1e-5)
    with pytest.raises(NeurogrowError, match="--threshold"):
        evaluate(model, data, threshold=0.0)


def test_atomic_path_renames_on_success_and_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_text(target, "first")
    assert target.read_text() == "first"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]
