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


def test_simulated_experiment_is_exactly_the_stated_model():
    design = _design(30, 5, seen=0.7)
    x, table = simulate_experiment(design, COMPONENTS, 0.4, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    a, b = rng.normal(0, 0.3, 30), rng.normal(0, 0.2, 5)
    e = rng.normal(0, 0.4, design.image.size)
    np.testing.assert_allclose(table.value, -0.2 + a[design.image] + b[design.subject] + e, rtol=0, atol=1e-12)
    np.testing.assert_allclose(x, 0.4 * a / 0.3 + np.sqrt(1 - 0.16) * rng.normal(0, 1, 30), rtol=0, atol=1e-12)
    assert (table.n_images, table.n_subjects, table.aggregate) == (30, 5, "mean")
    # no "mean" given: 0; no image variance: the model time is pure noise, not 0/0
    comps = {"image_sd": 0.0, "subject_sd": 0.0, "residual_sd": 0.0}
    x0, t0 = simulate_experiment(design, comps, 0.5, np.random.default_rng(8))
    assert np.all(t0.value == 0) and np.all(np.isfinite(x0)) and np.std(x0) > 0


def test_primary_test_needs_two_subjects():
    with pytest.raises(ValueError, match=r"^the two-level test needs at least 2 subjects; the design has 1$"):
        primary_test(np.arange(5.0), _design(5, 1), 50, np.random.default_rng(0))


def test_power_curve_rows_exactly(monkeypatch):
    import neurogrow.rt.power as power

    results = iter([(0.1, 0.02, 0.3), (0.3, 0.0, 0.0), (0.2, -0.4, -0.01), (0.5, 0.2, 0.7)])  # an end at 0 is not above or below it
    monkeypatch.setattr(power, "primary_test", lambda x, table, n_boot, rng: next(results))
    seen = []
    rows = power_curve(_design(10, 3), COMPONENTS, [0.0, 0.5], n_sim=2, n_boot=10, progress=seen.append)
    assert rows == [
        {"rho_latent": 0.0, "power": 0.5, "power_se": pytest.approx(0.5 / np.sqrt(2)), "mean_spearman": pytest.approx(0.2), "below_zero": 0.0, "n_sim": 2},
        {"rho_latent": 0.5, "power": 0.5, "power_se": pytest.approx(0.5 / np.sqrt(2)), "mean_spearman": pytest.approx(0.35), "below_zero": 0.5, "n_sim": 2},
    ]
    assert seen == rows


def test_power_curve_is_seeded_per_rho():
    design = _design(20, 4)
    one = power_curve(design, COMPONENTS, [0.3, 0.6], n_sim=3, n_boot=20, seed=5)
    assert one == power_curve(design, COMPONENTS, [0.3, 0.6], n_sim=3, n_boot=20, seed=5)
    # the rows for 0.6 do not depend on whether 0.3 was simulated first
    assert power_curve(design, COMPONENTS, [0.9, 0.6], n_sim=3, n_boot=20, seed=5)[1] == one[1]
    assert one != power_curve(design, COMPONENTS, [0.3, 0.6], n_sim=3, n_boot=20, seed=6)


def test_detection_threshold_exactly():
    def rows(*pw):
        return [{"rho_latent": 0.1 * i, "power": p, "mean_spearman": 0.05 * i} for i, p in enumerate(pw)]

    assert detection_threshold(rows(0.9, 0.85)) == {"reached": True, "rho_latent": 0.0, "spearman": 0.0, "target_power": 0.8}
    got = detection_threshold(rows(0.5, 0.85, 0.9))
    assert got == {"reached": True, "target_power": 0.8, "rho_latent": pytest.approx(0.1 * 0.3 / 0.35), "spearman": pytest.approx(0.05 * 0.3 / 0.35)}
    assert detection_threshold(rows(0.2, 0.8))["rho_latent"] == pytest.approx(0.1)  # reaching exactly the target counts
    assert detection_threshold(rows(0.2, 0.4), target=0.9) == {"reached": False, "rho_latent": None, "spearman": None, "target_power": 0.9}


def test_power_curve_default_seed_is_0():
    design = _design(12, 3)
    assert power_curve(design, COMPONENTS, [0.5], n_sim=2, n_boot=10) == power_curve(design, COMPONENTS, [0.5], n_sim=2, n_boot=10, seed=0)
