"""Occluders: covered fraction, determinism per (id, seed), independence of batch order."""
import numpy as np
import pytest

from neurogrow.data import occlude, occluder_mask
from neurogrow.data.occlusion import OCCLUDER_FILL
from neurogrow.errors import DataError

IDS = [f"img{i}" for i in range(12)]


def blank(n=12, h=32, w=32, c=3):
    return np.full((n, h, w, c), 7, dtype=np.uint8)


def covered(occluded):
    return (occluded == OCCLUDER_FILL).all(-1)


@pytest.mark.parametrize("fraction", [0.0, 0.2, 0.4, 0.6])
def test_covered_fraction_matches_request(fraction):
    out = occlude(blank(), IDS, fraction, seed=3)
    per_image = covered(out).mean(axis=(1, 2))
    assert np.all(np.abs(per_image - fraction) <= 0.02)
    assert np.all(np.abs(per_image - fraction) <= 1 / (32 * 32))


def test_fraction_zero_returns_unchanged_copy():
    images = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    out = occlude(images, IDS[:3], 0.0)
    assert np.array_equal(out, images) and out is not images


def test_all_channels_are_filled_and_other_pixels_untouched():
    images = np.random.default_rng(1).integers(0, 100, (4, 16, 16, 3), dtype=np.uint8)
    out = occlude(images, IDS[:4], 0.3)
    mask = covered(out)
    assert np.array_equal(out[~mask], images[~mask])
    assert mask.mean() == pytest.approx(0.3, abs=0.01)


def test_same_id_and_seed_give_the_same_occluder():
    a = occlude(blank(), IDS, 0.4, seed=5)
    b = occlude(blank(), IDS, 0.4, seed=5)
    assert np.array_equal(a, b)
    # the occluder depends on the id, not on the position: two images with one id match
    dup = occlude(blank(2), ["same", "same"], 0.4)
    assert np.array_equal(dup[0], dup[1])


def test_different_ids_and_seeds_give_different_occluders():
    masks = covered(occlude(blank(), IDS, 0.4, seed=0))
    assert len({m.tobytes() for m in masks}) == len(IDS)
    other_seed = covered(occlude(blank(), IDS, 0.4, seed=1))
    assert not any(np.array_equal(a, b) for a, b in zip(masks, other_seed))


def test_independent_of_batch_order_and_companions():
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
    full = occlude(images, IDS, 0.6, seed=9)
    perm = rng.permutation(12)
    shuffled = occlude(images[perm], [IDS[i] for i in perm], 0.6, seed=9)
    assert np.array_equal(shuffled, full[perm])
    alone = occlude(images[4:5], IDS[4:5], 0.6, seed=9)
    assert np.array_equal(alone[0], full[4])


def test_larger_fraction_contains_smaller_occluder():
    small = occluder_mask(32, 32, "x", 0.2, seed=1)
    large = occluder_mask(32, 32, "x", 0.6, seed=1)
    assert small.sum() == round(0.2 * 1024) and not (small & ~large).any()


def test_occluders_are_rectangular_blocks():
    mask = occluder_mask(32, 32, "y", 0.2)
    # rectangles of side >= 4: most covered pixels have a covered horizontal neighbour
    neighbour = mask[:, 1:] & mask[:, :-1]
    assert neighbour.sum() > 0.6 * mask.sum()


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_fraction_outside_range_is_rejected(fraction):
    with pytest.raises(DataError, match=r"fraction=.*expected a value in \[0, 1\)"):
        occlude(blank(2), IDS[:2], fraction)


def test_ids_must_match_images():
    with pytest.raises(DataError, match="3 ids for 2 images"):
        occlude(blank(2), IDS[:3], 0.2)
