"""Power of compare-rt's primary test by simulation (neurogrow.rt.power) and the REML variance components it draws from."""
from __future__ import annotations

import numpy as np
import pytest

from neurogrow.rt.power import detection_threshold, power_curve, primary_test, simulate_experiment
from neurogrow.stats import TrialTable, spearman
from neurogrow.stats.mixed import fit_crossed, variance_components


def _design(n_images: int, n_subjects: int, seen: float = 1.0, seed: int = 0) -> TrialTable:
    rng = np.random.default_rng(seed)
    keep = rng.random((n_images, n_subjects)) < seen
    keep[np.arange(n_images), rng.integers(0, n_subjects, n_images)] = True
    img, subj = np.nonzero(keep)
    return TrialTable(img, subj, np.zeros(img.size), n_images, n_subjects)


COMPONENTS = {"mean": -0.2, "image_sd": 0.3, "subject_sd": 0.2, "residual_sd": 0.4}


def test_variance_components_recover_the_simulated_ones():
    design = _design(400, 30, seen=0.8)
    _, table = simulate_experiment(design, COMPONENTS, 0.0, np.random.default_rng(1))
    got = variance_components(table.value, table.subject, table.image)
    assert got["converged"]
    assert got["image_sd"] == pytest.approx(0.3, rel=0.1)
    assert got["residual_sd"] == pytest.approx(0.4, rel=0.05)
    assert got["subject_sd"] == pytest.approx(0.2, rel=0.35)  # 30 subjects: a rough estimate
    # the same REML as fit_crossed: with a model time unrelated to the RTs the components barely move
    full = fit_crossed(table.value, np.random.default_rng(2).normal(size=400)[table.image], table.subject, table.image)
    assert full["image_sd"] == pytest.approx(got["image_sd"], rel=0.02)
    assert full["residual_sd"] == pytest.approx(got["residual_sd"], rel=1e-3)


def test_simulated_model_time_has_the_latent_correlation_with_the_image_effects():
    design = _design(3000, 2)
    x, table = simulate_experiment(design, {**COMPONENTS, "residual_sd": 0.0, "subject_sd": 0.0}, 0.6, np.random.default_rng(3))
    # no trial or subject noise: each image's mean log RT is mean + its effect
    effect = table.image_measure() - COMPONENTS["mean"]
    assert np.corrcoef(x, effect)[0, 1] == pytest.approx(0.6, abs=0.03)
    assert np.array_equal(table.image, design.image) and np.array_equal(table.subject, design.subject)


def test_primary_test_is_the_centred_two_level_interval_around_spearman():
    design = _design(60, 8)
    x, table = simulate_experiment(design, COMPONENTS, 0.5, np.random.default_rng(4))
    r, lo, hi = primary_test(x, table, 300, np.random.default_rng(5))
    assert r == pytest.approx(spearman(x, table.image_measure()))
    assert lo < r < hi
    # exactly compare-rt's primary interval: the two-level resamples centred on the estimate
    from types import SimpleNamespace

    from neurogrow.rt.resampling import two_level_resamples
    from neurogrow.stats import percentile_ci
    from neurogrow.stats.bootstrap import centred_resamples

    y = table.image_measure()
    two = two_level_resamples(x, y, SimpleNamespace(table=table, n_subjects=8), {}, None, 300, np.random.default_rng(5))
    assert [lo, hi] == pytest.approx(percentile_ci(centred_resamples(two["spearman"], r, fisher=True)), abs=1e-12)
    assert [lo, hi] != pytest.approx(percentile_ci(two["spearman"]), abs=1e-3)  # not the uncentred one


def test_power_is_low_at_zero_and_high_at_a_strong_correlation():
    design = _design(60, 8)
    rows = power_curve(design, COMPONENTS, [0.0, 0.9], n_sim=40, n_boot=200, seed=0)
    null, strong = rows
    assert null["power"] <= 0.1  # nominal 2.5 % one-sided; 40 experiments
    assert strong["power"] >= 0.9
    assert 0 < strong["mean_spearman"] < 0.9  # attenuated by the measure's unreliability
    assert abs(null["mean_spearman"]) < 0.1


def test_detection_threshold_interpolates_and_says_when_power_is_not_reached():
    rows = [{"rho_latent": 0.0, "power": 0.02, "mean_spearman": 0.0}, {"rho_latent": 0.2, "power": 0.5, "mean_spearman": 0.15},
            {"rho_latent": 0.4, "power": 0.9, "mean_spearman": 0.3}]
    t = detection_threshold(rows)
    assert t["reached"] and t["rho_latent"] == pytest.approx(0.35) and t["spearman"] == pytest.approx(0.2625)
    assert detection_threshold(rows[:2]) == {"reached": False, "rho_latent": None, "spearman": None, "target_power": 0.8}
    assert detection_threshold(rows[::-1])["rho_latent"] == pytest.approx(0.35)  # order of the grid does not matter
