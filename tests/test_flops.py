"""FLOPs per recurrent step: FlopCounterMode against a hand count, and the cost of an exit."""
from __future__ import annotations

import numpy as np
import pytest

from neurogrow.errors import NeurogrowError
from neurogrow.inference import flops_per_step, flops_spent
from neurogrow.model import LatticeRCNN, ModelConfig

K = 3  # kernel size


def conv(cout: int, cin: int, size: int) -> int:
    """2 FLOPs per multiply-add of a k x k, stride-1, same-padded convolution on a size x size map."""
    return 2 * cout * cin * K * K * size * size


def tiny(lateral: bool = True, top_down: bool = True, steps: int = 3) -> LatticeRCNN:
    cfg = ModelConfig(
        in_channels=3, num_classes=4, image_size=8, channels=[2, 5], max_channels=8, max_layers=3,
        steps=steps, max_steps=4, lateral=lateral, top_down=top_down, min_resolution=4,
    )
    return LatticeRCNN(cfg, seed=0)


@pytest.mark.parametrize("lateral,top_down", [(True, True), (False, False), (True, False), (False, True)])
def test_flops_per_step_matches_hand_count(lateral, top_down):
    model = tiny(lateral, top_down)
    assert model.resolutions() == [8, 4]
    c0, c1, outputs = 2, 5, 4 + 1  # channels, class logits + halting logit
    readout = 2 * c0 * outputs + 2 * c1 * outputs
    first = conv(c0, 3, 8) + conv(c1, c0, 4) + readout  # the image's drive (cached later) and layer 2
    later = conv(c1, c0, 4) + readout  # layer 1 reuses the cached image drive
    if lateral:
        later += conv(c0, c0, 8) + conv(c1, c1, 4)
    if top_down:
        later += conv(c0, c1, 4)  # layer 2 -> layer 1, computed at layer 2's resolution, then upsampled
    np.testing.assert_array_equal(flops_per_step(model), [first, later, later])


def test_flops_per_step_follows_the_window():
    assert flops_per_step(tiny(steps=1)).shape == (1,)
    model = tiny()
    model.train()
    flops_per_step(model)
    assert model.training  # mode restored


def test_flops_spent_sums_the_first_steps():
    per_step = np.array([10, 100, 100, 100])
    np.testing.assert_array_equal(flops_spent(per_step, [1, 2, 4, 3]), [10, 110, 310, 210])
    with pytest.raises(NeurogrowError, match=r"\[1, 4\]"):
        flops_spent(per_step, [0, 2])
    with pytest.raises(NeurogrowError):
        flops_spent(per_step, [5])
